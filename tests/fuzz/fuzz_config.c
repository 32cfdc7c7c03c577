// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target for the config parser: any bytes must parse or be refused, never crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ewoe_config *cfg = NULL;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (config_parse_string(text, "fuzz", &cfg) == 0) {
		/* A config that parsed must be whole: every peer has both addresses. */
		for (size_t i = 0; i < cfg->n_peers; i++)
			if (!cfg->peers[i].local.family || !cfg->peers[i].remote.family)
				abort();
	}
	config_free(cfg);
	free(text);
	return 0;
}
