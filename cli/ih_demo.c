#include "config.h"
#include <stdio.h>
#include "cli/ih_cmd.h"

int ih_demo_main(int argc, char **argv)
{
	fprintf(stderr, "irqhop %s: not built yet\n", argv[0]);
	return 1;
}
