// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Libraries only some commands need (libvici, libcrypto) are opened when first used, so the
 * others start without them and still run where they are missing or broken.
 */
#include <dlfcn.h>
#include <string.h>

#include "dynlib.h"
#include "log.h"

void *ewoe_dlopen(const char *path, const char *what, const struct ewoe_symbol *symbols,
		  size_t n_symbols, void *table)
{
	void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	if (!lib) {
		ewoe_err("cannot load %s: %s", what, dlerror());
		return NULL;
	}
	for (size_t i = 0; i < n_symbols; i++) {
		void *fn = dlsym(lib, symbols[i].name);

		if (!fn) {
			ewoe_err("%s has no %s: %s", path, symbols[i].name, dlerror());
			dlclose(lib);
			return NULL;
		}
		/* Object and function pointers share a representation on every POSIX system. */
		memcpy((char *)table + symbols[i].offset, &fn, sizeof(fn));
	}
	return lib;
}
