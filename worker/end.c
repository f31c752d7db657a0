/* The words of enum end_reason, as the logs print them. */
#include "worker/end.h"

static const char *const names[END_REASON_COUNT] = {
	[END_NONE] = "none",
	[END_CLIENT_CLOSED] = "client closed",
	[END_CLIENT_RESET] = "client reset",
	[END_CLIENT_TIMEOUT] = "client timeout",
	[END_BAD_REQUEST] = "bad request",
	[END_BACKEND_CONNECT] = "backend connect failed",
	[END_BACKEND_RESET] = "backend closed early",
	[END_BACKEND_TIMEOUT] = "backend timeout",
	[END_BACKEND_BAD] = "invalid backend response",
	[END_NO_BACKEND] = "no backend available",
	[END_DONE] = "done",
	[END_SHUTDOWN] = "shutdown",
	[END_IDLE_TIMEOUT] = "idle timeout",
};

const char *
end_reason_str(enum end_reason e)
{
	return (unsigned)e < END_REASON_COUNT ? names[e] : "?";
}
