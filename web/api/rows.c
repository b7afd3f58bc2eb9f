/*
 * web/api/rows.c - query results as JSON: every row of a statement into an
 * array, the one way the API turns rows into answers.
 */
#include "config.h"
#include "web/api/internal.h"

/* Appends every row of ST (bound, not yet stepped) to a new JSON array in
 * *out.  Returns 0, or -1 with an error already queued (*result set). */
int ih_web_rows(struct ih_web_request *req, sqlite3_stmt *st, json_t **out,
		       enum MHD_Result *result)
{
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	if (!arr) {
		*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		return -1;
	}
	while ((rc = ih_web_step(req, st, result)) == SQLITE_ROW) {
		if (json_array_append_new(arr, ih_web_row_object(st)) != 0) {
			json_decref(arr);
			*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
			return -1;
		}
	}
	if (rc < 0) {
		json_decref(arr);
		return -1;
	}
	*out = arr;
	return 0;
}

/* Binds TEXT (NULL: SQL NULL) as parameter I of ST.  Binding only fails
 * for an index out of range or memory, both caught by the step after. */
void ih_web_bind_text(sqlite3_stmt *st, int i, const char *text)
{
	if (text)
		sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}


/* Runs SQL (one parameter: ID) and stores its rows as member KEY of OBJ.
 * Returns 0, or -1 with an error queued (*result set). */
int ih_web_rows_into(struct ih_web_request *req, const char *sql, int64_t id, json_t *obj,
			    const char *key, enum MHD_Result *result)
{
	sqlite3_stmt *st = ih_web_stmt(req, sql, result);
	json_t *rows;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (ih_web_rows(req, st, &rows, result) != 0)
		return -1;
	sqlite3_reset(st);
	if (json_object_set_new(obj, key, rows) != 0) {
		*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		return -1;
	}
	return 0;
}

