/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Libraries opened at run time by the first command that needs them (src/dynlib.c). */
#ifndef EWOE_DYNLIB_H
#define EWOE_DYNLIB_H

#include <stddef.h>

/* A function of a library opened at run time, and where its pointer goes in a table struct. */
struct ewoe_symbol {
	const char *name;
	size_t offset;
};

/*
 * Open the library at path and fill each member of table from its symbol. Returns the
 * handle, or NULL after printing "cannot load <what>: ..." or the symbol it lacks.
 */
void *ewoe_dlopen(const char *path, const char *what, const struct ewoe_symbol *symbols,
		  size_t n_symbols, void *table);

#endif
