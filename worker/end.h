/*
 * Why a connection or an exchange ended: one name per way, for the debug
 * log and the access log's error= field.  An operator never sees just
 * "failed".
 */
#ifndef WEIR_WORKER_END_H
#define WEIR_WORKER_END_H

enum end_reason {
	END_NONE = 0,
	END_CLIENT_CLOSED,
	END_CLIENT_RESET,
	END_CLIENT_TIMEOUT,
	END_BAD_REQUEST,
	END_BACKEND_CONNECT,
	END_BACKEND_RESET,
	END_BACKEND_TIMEOUT,
	END_BACKEND_BAD,
	END_NO_BACKEND,
	END_DONE,
	END_SHUTDOWN,
	END_IDLE_TIMEOUT,	/* a tunnel: nothing either way for too long */
	END_REASON_COUNT
};

const char	*end_reason_str(enum end_reason e);

#endif
