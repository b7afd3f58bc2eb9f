/*
 * analyzer/sqlite/bterror.h - a Babeltrace error as one line, for the
 * one-line messages of irqhop analyze and irqhop analyze --live.
 */
#ifndef IH_BTERROR_H
#define IH_BTERROR_H
#include <stdbool.h>
#include <stddef.h>

/* Takes the current thread's Babeltrace error (it is cleared) and writes its
 * root cause (index 0: causes are in append order, so the first is the most
 * specific) into BUF as one line: newlines become "; ", trailing spaces go.
 * BUF is "" when there is no error.  Returns true when that cause was
 * appended by sink.irqhop.sqlite, whose messages are meant for users as
 * they are (they name the trace or database); false otherwise.  Never
 * fails. */
bool ih_bt_error_line(char *buf, size_t len);

/* The same line, from the current thread's error left in place (for a
 * component that appends its own cause on top of an upstream one).  BUF is
 * "" when there is no error.  Never fails. */
void ih_bt_error_peek_line(char *buf, size_t len);
#endif
