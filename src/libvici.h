/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ewoe's own declarations of the libvici functions it calls. strongSwan ships libvici.so
 * without a header on Debian and Ubuntu; these match the library's exported C interface
 * (strongSwan 5.x); pointer parameters the library only reads are declared const, which
 * does not change the ABI. Only the IKE backend (src/ike_vici.h) includes this file.
 */
#ifndef EWOE_LIBVICI_H
#define EWOE_LIBVICI_H

#include <stdio.h>

typedef struct vici_conn_t vici_conn_t;
typedef struct vici_req_t vici_req_t;
typedef struct vici_res_t vici_res_t;

typedef enum {
	VICI_PARSE_BEGIN_SECTION, /* has a name */
	VICI_PARSE_END_SECTION,
	VICI_PARSE_BEGIN_LIST, /* has a name */
	VICI_PARSE_LIST_ITEM,  /* has a value */
	VICI_PARSE_END_LIST,
	VICI_PARSE_KEY_VALUE, /* has a name and a value */
	VICI_PARSE_END,
	VICI_PARSE_ERROR,
} vici_parse_t;

/* Runs on a libstrongswan pool thread; ev is only valid during the call. */
typedef void (*vici_event_cb_t)(void *user, char *name, vici_res_t *ev);

/*
 * libvici's functions, loaded with dlopen when ewoe first talks to charon: the commands that
 * never do (verify of a node whose charon is down, setup-bridge, enable-offload) start without
 * libstrongswan and the six libraries it pulls in, and still run where those are broken or
 * missing. Each member is the libvici function of the same name with the vici_ prefix.
 */
struct vici_lib {
	void (*init)(void);
	void (*deinit)(void);

	/* NULL with errno set when the socket cannot be reached. */
	vici_conn_t *(*connect)(const char *uri);
	void (*disconnect)(vici_conn_t *conn);

	vici_req_t *(*begin)(const char *name);
	void (*begin_section)(vici_req_t *req, const char *name);
	void (*end_section)(vici_req_t *req);
	void (*add_key_value)(vici_req_t *req, const char *key, const void *buf, int len);
	void (*add_key_valuef)(vici_req_t *req, const char *key, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
	void (*begin_list)(vici_req_t *req, const char *name);
	void (*add_list_item)(vici_req_t *req, const void *buf, int len);
	void (*add_list_itemf)(vici_req_t *req, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
	void (*end_list)(vici_req_t *req);

	/* Consumes req in every case; NULL with errno set on a transport failure. */
	vici_res_t *(*submit)(vici_req_t *req, vici_conn_t *conn);
	void (*free_res)(vici_res_t *res);

	vici_parse_t (*parse)(vici_res_t *res);
	char *(*parse_name)(vici_res_t *res);
	void *(*parse_value)(vici_res_t *res, int *len);

	/* Paths are '.'-separated section names built from fmt. */
	char *(*find_str)(vici_res_t *res, const char *def, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
	int (*find_int)(vici_res_t *res, int def, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

	/* vici_register: cb NULL unregisters. 0, or -1 with errno set. */
	int (*register_event)(vici_conn_t *conn, const char *name, vici_event_cb_t cb, void *user);

	/* libstrongswan's, reached through libvici: its own log level. */
	void (*set_log_level)(int level);
};

#endif
