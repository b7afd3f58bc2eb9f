/*
 * analyzer/sqlite/bterror.c - a Babeltrace error as one line, see bterror.h.
 */
#include "config.h"
#include "analyzer/sqlite/bterror.h"
#include "analyzer/sqlite/sink.h"

#include <babeltrace2/babeltrace.h>
#include <string.h>

/* Copies MSG into BUF as one line: newlines become "; ", trailing spaces go. */
static void one_line(char *buf, size_t len, const char *msg)
{
	size_t j = 0;

	for (size_t i = 0; msg[i] && j + 3 < len; i++) {
		if (msg[i] == '\n') {
			if (msg[i + 1]) {
				buf[j++] = ';';
				buf[j++] = ' ';
			}
		} else {
			buf[j++] = msg[i];
		}
	}
	while (j && buf[j - 1] == ' ')
		j--;
	buf[j] = '\0';
}

/* BUF gets ERROR's root cause as one line; true when the sink appended it. */
static bool error_line(const bt_error *error, char *buf, size_t len)
{
	const bt_error_cause *root;
	bool from_sink = false;

	buf[0] = '\0';
	if (error && bt_error_get_cause_count(error)) {
		root = bt_error_borrow_cause_by_index(error, 0);
		one_line(buf, len, bt_error_cause_get_message(root));
		from_sink = bt_error_cause_get_actor_type(root) == BT_ERROR_CAUSE_ACTOR_TYPE_COMPONENT &&
			    bt_error_cause_component_actor_get_component_class_type(root) ==
				    BT_COMPONENT_CLASS_TYPE_SINK &&
			    strcmp(bt_error_cause_component_actor_get_component_class_name(root),
				   IH_SINK_CLASS_NAME) == 0;
	}
	return from_sink;
}

bool ih_bt_error_line(char *buf, size_t len)
{
	const bt_error *error = bt_current_thread_take_error();
	bool from_sink = error_line(error, buf, len);

	if (error)
		bt_error_release(error);
	return from_sink;
}

void ih_bt_error_peek_line(char *buf, size_t len)
{
	const bt_error *error = bt_current_thread_take_error();

	(void)error_line(error, buf, len);
	if (error)
		bt_current_thread_move_error(error);
}
