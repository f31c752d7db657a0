/*
 * The statuses weir answers itself, one table for every role: the reason
 * phrase, and the short plain-text body that tells an operator reading
 * curl's output which side failed.  The proxy and the web_server role say
 * different things for some codes (a 404 is "no route" to one and "no
 * such file" to the other), so a status has a text per role.
 */
#ifndef WEIR_COMMON_HTTP_STATUS_H
#define WEIR_COMMON_HTTP_STATUS_H

#include <stdbool.h>

enum http_voice {
	HTTP_VOICE_PROXY = 0,	/* weir in front of a backend */
	HTTP_VOICE_FILES,	/* the web_server role */
};

/* The reason phrase for <status>, "Error" for one weir never sends. */
const char	*http_reason(int status);

/*
 * The body weir sends with <status> in <voice>, ending in a newline;
 * "weir: error.\n" for a status without a text.
 */
const char	*http_status_text(int status, enum http_voice voice);

#endif
