/*
 * cli/cmd.h - entry points of irqhop's subcommands.
 *
 * Each takes the subcommand's own argv (argv[0] is the subcommand name) and
 * returns the process exit status.  Conventions shared by all of them:
 *   - errors are one line on stderr, "irqhop SUBCOMMAND: problem", naming
 *     the file, option or value at fault;
 *   - exit status 2 for a usage error (unknown option, bad value), 1 for any
 *     other failure, 0 on success (regress: 1 means "regressed");
 *   - nothing is left half-written on failure.
 */
#ifndef IH_CMD_H
#define IH_CMD_H

int ih_record_main(int argc, char **argv);   /* cli/record_main.c */
int ih_analyze_main(int argc, char **argv);  /* cli/analyze_main.c */
/* irqhop analyze --live URL ...: argv as given to ih_analyze_main (argv[0]
 * "analyze").  Blocks SIGINT, SIGTERM and SIGHUP for the call and restores
 * the mask. */
int ih_analyze_live_main(int argc, char **argv); /* cli/live_main.c */
int ih_serve_main(int argc, char **argv);    /* cli/serve_main.c */
int ih_regress_main(int argc, char **argv);  /* cli/regress_main.c */
int ih_export_main(int argc, char **argv);   /* cli/export_main.c */
int ih_demo_main(int argc, char **argv);     /* cli/demo.c */

/* Path of the irqhop-runtime program: $IRQHOP_RUNTIME if set, else the one
 * beside this executable (build tree), else the installed one.  Writes into
 * buf; returns buf, or NULL (with a message on stderr) when none exists. */
const char *ih_runtime_path(char *buf, unsigned long len);

/* The same for irqhop-kvm (the real KVM workload of irqhop record --kvm): $IRQHOP_KVM, else
 * beside this executable, else installed. */
const char *ih_kvm_path(char *buf, unsigned long len);
#endif
