/*
 * The front-end choice: by the TLS handshake's ALPN result ("h2" only when
 * the service's "http2" let ALPN offer it), or by the service's "h2c" on a
 * plain listener.
 */
#include "worker/front_pick.h"

#include "common/config.h"
#include "tls/tls.h"
#include "worker/client.h"
#include "worker/h1_server.h"
#include "worker/h2_server.h"

const struct front_session_ops *
front_pick(const struct client *c)
{
	bool	is_h2 = c->s.ssl != NULL ? tls_conn_is_h2(c->s.ssl) :
		    c->svc->h2c;

	return is_h2 ? &h2_session_ops : &h1_session_ops;
}
