/*
 * The import from start to end: parse, emit, check the JSON with weir's
 * own loader, write.  The check is the loader's, so an output it would
 * refuse is never written: that would be a bug here, and is said so.
 */
#include "import/perlbal_import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "common/config.h"
#include "import/perlbal_conf.h"
#include "import/perlbal_emit.h"
#include "import/perlbal_parse.h"

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* <text> to <path>, through a new file beside it renamed over it. */
static int
write_file(const char *path, const char *text, FILE *msgs)
{
	char	*tmp;
	int	 fd, saved;

	if (asprintf(&tmp, "%s.XXXXXX", path) == -1) {
		fprintf(msgs, "weir: %s: out of memory\n", path);
		return -1;
	}
	/* mkstemp: O_EXCL, so nothing already there is followed. */
	if ((fd = mkstemp(tmp)) == -1) {
		fprintf(msgs, "weir: cannot create a file beside %s: %s\n",
		    path, strerror(errno));
		free(tmp);
		return -1;
	}
	if (fchmod(fd, 0644) == -1 || write_all(fd, text, strlen(text)) ==
	    -1 || fsync(fd) == -1) {
		saved = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		saved = errno;
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	unlink(tmp);
	fprintf(msgs, "weir: cannot write %s: %s\n", path, strerror(saved));
	free(tmp);
	return -1;
}

int
perlbal_import(const char *in, const char *out, FILE *msgs)
{
	struct perlbal_conf	 c;
	struct config		*cfg;
	json_t			*root = NULL;
	char			*text = NULL, *full = NULL;
	const char		*name = out != NULL && strcmp(out, "-") != 0 ?
				    out : "(standard output)";
	int			 rv = 1;

	perlbal_conf_init(&c, msgs);
	perlbal_parse_file(&c, in);
	if (c.nerrors == 0)
		root = perlbal_emit(&c);
	if (root == NULL) {
		fprintf(msgs, "weir: %s does not convert (%u error%s); "
		    "nothing written\n", in, c.nerrors, c.nerrors == 1 ? "" :
		    "s");
		goto done;
	}
	if ((text = json_dumps(root, JSON_INDENT(2))) == NULL ||
	    asprintf(&full, "%s\n", text) == -1) {
		full = NULL;
		fprintf(msgs, "weir: out of memory\n");
		goto done;
	}
	if ((cfg = config_load_string(full, name, msgs)) == NULL) {
		fprintf(msgs, "weir: the weir configuration made from %s does "
		    "not pass weir's check (a bug of the import: please "
		    "report it); nothing written\n", in);
		goto done;
	}
	config_free(cfg);
	if (out == NULL || strcmp(out, "-") == 0) {
		rv = fputs(full, stdout) == EOF || fflush(stdout) == EOF ? 2 :
		    0;
		if (rv != 0)
			fprintf(msgs, "weir: cannot write the standard "
			    "output: %s\n", strerror(errno));
	} else
		rv = write_file(out, full, msgs) == -1 ? 2 : 0;
	if (rv == 0)
		fprintf(msgs, "weir: %s converted to %s, %u warning%s\n", in,
		    name, c.nwarnings, c.nwarnings == 1 ? "" : "s");
done:
	free(full);
	free(text);
	json_decref(root);
	perlbal_conf_free(&c);
	return rv;
}
