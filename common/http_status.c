/* The table behind common/http_status.h. */
#include "common/http_status.h"

#include <stddef.h>

static const struct {
	int		 status;
	const char	*reason;
	const char	*proxy;		/* NULL: no text of its own */
	const char	*files;		/* NULL: the proxy's */
} table[] = {
	{ 100, "Continue", NULL, NULL },
	{ 200, "OK", NULL, NULL },
	{ 206, "Partial Content", NULL, NULL },
	{ 301, "Moved Permanently", "weir: moved.\n",
	    "weir: this directory's URL ends in '/'.\n" },
	{ 304, "Not Modified", NULL, NULL },
	{ 308, "Permanent Redirect", "weir: moved.\n", NULL },
	{ 400, "Bad Request", "weir: the request is malformed.\n",
	    "weir: the request path is malformed.\n" },
	{ 403, "Forbidden", "weir: access denied.\n", NULL },
	{ 404, "Not Found", "weir: no route for this request.\n",
	    "weir: no such file.\n" },
	{ 405, "Method Not Allowed", "weir: method not allowed.\n",
	    "weir: only GET and HEAD are allowed.\n" },
	{ 408, "Request Timeout",
	    "weir: the request did not arrive in time.\n", NULL },
	{ 413, "Content Too Large",
	    "weir: the request body is larger than this service accepts.\n",
	    NULL },
	{ 414, "URI Too Long", "weir: the request target is too long.\n",
	    NULL },
	{ 416, "Range Not Satisfiable", NULL,
	    "weir: the requested range is not satisfiable.\n" },
	{ 431, "Request Header Fields Too Large",
	    "weir: the request head is larger than this service accepts.\n",
	    NULL },
	{ 500, "Internal Server Error", "weir: internal error.\n", NULL },
	{ 501, "Not Implemented",
	    "weir: the request uses a method or transfer coding weir does "
	    "not support.\n", NULL },
	{ 502, "Bad Gateway",
	    "weir: the backend could not be reached or sent an invalid "
	    "response.\n", NULL },
	{ 503, "Service Unavailable", "weir: no backend is available.\n",
	    NULL },
	{ 504, "Gateway Timeout", "weir: the backend did not answer in "
	    "time.\n", NULL },
	{ 505, "HTTP Version Not Supported",
	    "weir: only HTTP/1.0 and HTTP/1.1 are supported.\n", NULL },
};

static int
find(int status)
{
	size_t	i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].status == status)
			return (int)i;
	return -1;
}

const char *
http_reason(int status)
{
	int	i = find(status);

	return i == -1 ? "Error" : table[i].reason;
}

const char *
http_status_text(int status, enum http_voice voice)
{
	int	i = find(status);

	if (i == -1)
		return "weir: error.\n";
	if (voice == HTTP_VOICE_FILES && table[i].files != NULL)
		return table[i].files;
	return table[i].proxy != NULL ? table[i].proxy :
	    voice == HTTP_VOICE_FILES && table[i].files != NULL ?
	    table[i].files : "weir: error.\n";
}
