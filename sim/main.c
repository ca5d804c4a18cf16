/*
 * main.c - sipalg-sim, the command-line front-end of the ALG simulator.
 *
 * "What happens to these calls behind router X, with its ALG on or off,
 * with these timeouts?"  Loads an inside capture once, builds one or more
 * configurations (a profile, a config file, --set overrides; --compare,
 * --profiles or --sweep for several), replays the capture under each
 * (sim.c) and prints per-dialog predicted outcomes and a verdict (text or
 * JSON).  Exit status: 0 done, 2 usage error, 3 a file could not be read
 * or written.
 *
 * Inputs are never overwritten: -w naming the capture or the --config
 * file (the same file under any name) is refused, and the pcap is
 * written beside its name and renamed into place when complete
 * (outfile.h).  Standard output is checked at exit; messages on stderr
 * are escaped.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "assume.h"
#include "outcome.h"
#include "outcome_html.h"
#include "alg/profile.h"
#include "sim.h"
#include "sip/sipmsg.h"
#include "base/cliopt.h"
#include "base/outfile.h"
#include "base/text.h"

#define PROG "sipalg-sim"
/* An error line on stderr, escaped: "sipalg-sim: ...". */
#define warn(...) text_fwarn(stderr, PROG, __VA_ARGS__)
#define MAX_CONFIGS 16
#define MAX_SETS 64

enum {
	OPT_PROFILE = 256, OPT_CONFIG, OPT_SET, OPT_LIST, OPT_SHOW, OPT_PUBLIC,
	OPT_INSIDE, OPT_COMPARE, OPT_PROFILES, OPT_SWEEP, OPT_FORWARD, OPT_HTML,
	OPT_WRITE_INSIDE
};

static const struct option longopts[] = {
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "set", required_argument, NULL, OPT_SET },
	{ "list-profiles", no_argument, NULL, OPT_LIST },
	{ "show-profile", required_argument, NULL, OPT_SHOW },
	{ "public-ip", required_argument, NULL, OPT_PUBLIC },
	{ "inside-net", required_argument, NULL, OPT_INSIDE },
	{ "forward", required_argument, NULL, OPT_FORWARD },
	{ "write", required_argument, NULL, 'w' },
	{ "write-inside", required_argument, NULL, OPT_WRITE_INSIDE },
	{ "compare", no_argument, NULL, OPT_COMPARE },
	{ "profiles", required_argument, NULL, OPT_PROFILES },
	{ "sweep", required_argument, NULL, OPT_SWEEP },
	{ "format", required_argument, NULL, 'f' },
	{ "html", required_argument, NULL, OPT_HTML },
	CLIOPT_TAIL
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: " PROG " [options] CAPTURE\n"
	    "Replay a capture taken on the phone side through a modelled NAT and\n"
	    "SIP ALG, and predict what happens to each call and registration.\n"
	    "\n"
	    "  --profile NAME       ALG/NAT profile (default linux; see --list-profiles)\n"
	    "  --config FILE        apply a profile file on top of --profile\n"
	    "  --set KNOB=VALUE     override one knob (repeatable)\n"
	    "  --list-profiles      list the profiles and exit\n"
	    "  --show-profile NAME  print every knob of a profile and exit\n"
	    "  --public-ip IP       the router's public IPv4 address (default: the\n"
	    "                       one the capture shows, else 203.0.113.1)\n"
	    "  --inside-net CIDR    inside network (repeatable; default RFC 1918)\n"
	    "  --forward PROTO/PORT a port forward to the phone (udp/5060, tcp/5060)\n"
	    "  -w, --write OUT      write the simulated outside view as a pcap (a\n"
	    "                       pcapng with the capture's filter if it records one)\n"
	    "  --write-inside OUT   write the predicted inside view as a pcapng: the\n"
	    "                       phones' frames and what the router delivers them\n"
	    "  --compare            compare the ALG off with --profile\n"
	    "  --profiles A,B,...   compare these profiles\n"
	    "  --sweep KNOB=V1,V2   run --profile once per value of KNOB\n"
	    "  -f, --format FMT     text (default) or json\n"
	    "      --html FILE      also write the predictions as an HTML page (alone:\n"
	    "                       nothing on standard output unless -f is given)\n"
	    "  -h, --help           this help\n"
	    "  -V, --version        version\n"
	    "\n"
	    "With several configurations, -w and --write-inside write the view of\n"
	    "the one --profile\n"
	    "names (--compare) or of the first one (--profiles, --sweep).\n"
	    "Far-end assumptions (registrar_target, farend_dialog_target,\n"
	    "farend_symmetric_rtp, farend_rport, farend_answers) are inferred from\n"
	    "the capture where it shows them and named in the report; --set\n"
	    "overrides them (farend_answers=true|false: whether a request the\n"
	    "capture shows unanswered through all its retransmissions is a far end\n"
	    "that does not answer, so the call fails, or stays open).\n"
	    "Exit status: 0 done, 2 usage error, 3 a file could not be read or\n"
	    "written.\n");
}

static int
misuse(const char *msg, const char *arg)
{
	if (arg != NULL)
		warn("%s '%s'", msg, arg);
	else
		warn("%s", msg);
	fprintf(stderr, "Try '" PROG " --help' for more information.\n");
	return 2;
}

static void
list_cb(void *user, const char *name, const char *path)
{
	FILE *f;
	char line[256];

	(void)user;
	printf("%-14s", name);
	/* the first comment line of the file describes the profile */
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(line, sizeof(line), f) != NULL && line[0] == '#') {
			const char *d = line + (line[1] == ' ' ? 2 : 1);

			line[strcspn(line, "\n")] = '\0';
			putchar(' ');
			text_fput_escaped(stdout, d, strlen(d), TEXT_ESC_PLAIN);
		}
		fclose(f);
	}
	printf("\n");
}

struct opts {
	const char *profile;
	const char *config;
	const char *sets[MAX_SETS];
	int nsets;
	bool compare;
	const char *profiles;
	const char *sweep;
	enum outcome_fmt fmt;
	bool fmt_given;
	const char *html;         /* --html FILE (outcome_html.h) */
};

/* Whether a --set names knob (assume_apply's is_set). */
static bool
knob_is_set(void *user, const char *knob)
{
	const struct opts *o = user;
	size_t l = strlen(knob);
	int i;

	for (i = 0; i < o->nsets; i++)
		if (strncmp(o->sets[i], knob, l) == 0 && o->sets[i][l] == '=')
			return true;
	return false;
}

/* sim_capture_each's callback: the far-end assumptions' first look. */
static void
observe(void *user, const struct sim_pkt *p)
{
	assume_observe(user, p);
}

/* ... and what the capture shows refused on the way. */
static void
observe_refused(void *user, const struct sim_pkt *p)
{
	assume_refused(user, p);
}

/* The value of the last --set farend_answers=, or -1 for none. */
static int
answers_set(const struct opts *o)
{
	char err[128];
	int i, v, last = -1;

	for (i = 0; i < o->nsets; i++)
		if (assume_own_knob(o->sets[i], &v, err, sizeof(err)) && v >= 0)
			last = v;
	return last;
}

/* Builds one configuration: profile name, then config file, then sets. */
static int
build_cfg(struct sim_cfg *c, const char *profile, const struct opts *o,
    const char *const *dirs, const char *extra_set)
{
	char err[2048];
	int i;

	if (profile_load(c, profile, dirs, err, sizeof(err)) != 0) {
		warn("%s", err);
		return 2;
	}
	if (o->config != NULL && strcmp(profile, "off") != 0) {
		if (profile_load_file(c, o->config, dirs, err, sizeof(err)) != 0) {
			warn("%s", err);
			return 2;
		}
	}
	for (i = 0; i < o->nsets; i++) {
		int v;

		/* a far-end knob no profile holds: assume.h */
		if (assume_own_knob(o->sets[i], &v, err, sizeof(err))) {
			if (v < 0) {
				warn("--set: %s", err);
				return 2;
			}
			continue;
		}
		if (profile_set_arg(c, o->sets[i], err, sizeof(err)) != 0) {
			warn("--set: %s", err);
			return 2;
		}
	}
	if (extra_set != NULL) {
		int v;

		if (assume_own_knob(extra_set, &v, err, sizeof(err))) {
			warn("--sweep: farend_answers is a far-end assumption, not a router knob: give it with --set");
			return 2;
		}
		if (profile_set_arg(c, extra_set, err, sizeof(err)) != 0) {
			warn("--sweep: %s", err);
			return 2;
		}
		snprintf(c->name, sizeof(c->name), "%.30s %.32s", profile, extra_set);
	}
	return 0;
}

/*
 * A --config file is read once per configuration built (twice with
 * --compare, once per profile with --profiles): it must be a regular
 * file.  A folder would read as an empty profile, a FIFO as empty the
 * second time.  A missing file is left to the loader's message.
 */
static int
check_config(const char *path)
{
	struct stat sb;

	if (path == NULL || stat(path, &sb) != 0 || S_ISREG(sb.st_mode))
		return 0;
	return misuse(S_ISDIR(sb.st_mode) ? "--config: a folder, not a profile "
	    "file:" : "--config: not a regular file (profile files are read "
	    "once per configuration):", path);
}

static int
sim_main(int argc, char **argv)
{
	struct opts o;
	struct sim_opts so;
	struct sim_cfg *cfgs = NULL;
	struct sim_result *res = NULL;
	const struct sim_cfg *cp[MAX_CONFIGS];
	const struct sim_result *rp[MAX_CONFIGS];
	const char *dirs[4];
	const char *show = NULL;
	struct sim_capture *cap;
	struct assume_ctx *actx = NULL;
	struct sim_assume *as = NULL;
	char err[512];
	int c, rc = 0, write_idx = 0;
	size_t ndirs;
	size_t n = 0, i;
	bool list = false;

	memset(&o, 0, sizeof(o));
	memset(&so, 0, sizeof(so));
	o.profile = "linux";
	o.fmt = OUTCOME_TEXT;
	ndirs = profile_search_path(dirs, sizeof(dirs) / sizeof(dirs[0]));

	while ((c = getopt_long(argc, argv, "w:f:hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_PROFILE:
			o.profile = optarg;
			break;
		case OPT_CONFIG:
			o.config = optarg;
			break;
		case OPT_SET:
			if (o.nsets >= MAX_SETS)
				return misuse("too many --set options", NULL);
			if (strchr(optarg, '=') == NULL)
				return misuse("--set needs KNOB=VALUE, not", optarg);
			o.sets[o.nsets++] = optarg;
			break;
		case OPT_LIST:
			list = true;
			break;
		case OPT_SHOW:
			show = optarg;
			break;
		case OPT_PUBLIC:
			ep_clear(&so.public_ip);
			if (ep_parse_ip(&so.public_ip, optarg, strlen(optarg)) != 0 ||
			    so.public_ip.family != 4)
				return misuse("--public-ip needs an IPv4 address, not", optarg);
			break;
		case OPT_INSIDE:
			if (so.ninside >= SIM_MAX_INSIDE_NETS)
				return misuse("too many --inside-net options", NULL);
			so.inside_nets[so.ninside++] = optarg;
			break;
		case OPT_FORWARD: {
			uint64_t port;
			uint8_t proto;

			if (strncmp(optarg, "udp/", 4) == 0)
				proto = 17;
			else if (strncmp(optarg, "tcp/", 4) == 0)
				proto = 6;
			else
				return misuse("--forward needs udp/PORT or tcp/PORT, not", optarg);
			if (text_parse_uint(optarg + 4, strlen(optarg + 4), 65535, &port) != 0 ||
			    port == 0)
				return misuse("--forward port must be 1..65535:", optarg);
			if (so.nfwd >= SIM_MAX_FORWARDS)
				return misuse("too many --forward options", NULL);
			so.fwd[so.nfwd].proto = proto;
			so.fwd[so.nfwd].port = (uint16_t)port;
			so.nfwd++;
			break;
		}
		case 'w':
			so.write_path = optarg;
			break;
		case OPT_WRITE_INSIDE:
			so.write_inside_path = optarg;
			break;
		case OPT_COMPARE:
			o.compare = true;
			break;
		case OPT_PROFILES:
			o.profiles = optarg;
			break;
		case OPT_SWEEP:
			o.sweep = optarg;
			break;
		case OPT_HTML:
			o.html = optarg;
			break;
		case 'f':
			o.fmt_given = true;
			if (strcmp(optarg, "text") == 0)
				o.fmt = OUTCOME_TEXT;
			else if (strcmp(optarg, "json") == 0)
				o.fmt = OUTCOME_JSON;
			else
				return misuse("unknown format", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf(PROG " %s\n", PACKAGE_VERSION);
			return 0;
		default:
			fprintf(stderr, "Try '" PROG " --help' for more information.\n");
			return 2;
		}
	}
	if ((rc = check_config(o.config)) != 0)
		return rc;
	if (list) {
		if (profile_list(dirs, list_cb, NULL) == 0) {
			/* the last two are the installed and source directories */
			warn("no profiles found (looked in %s and %s)",
			    dirs[ndirs - 2], dirs[ndirs - 1]);
			return 3;
		}
		return 0;
	}
	if (show != NULL) {
		struct sim_cfg sc;

		if (build_cfg(&sc, show, &o, dirs, NULL) != 0)
			return 2;
		profile_print(&sc, stdout);
		return 0;
	}
	if ((o.compare ? 1 : 0) + (o.profiles ? 1 : 0) + (o.sweep ? 1 : 0) > 1)
		return misuse("--compare, --profiles and --sweep exclude each other", NULL);
	if (optind + 1 != argc)
		return misuse(optind >= argc ? "no capture given" :
		    "exactly one capture, extra argument", optind < argc - 1 ?
		    argv[optind + 1] : NULL);
	/* -w never replaces an input, under whatever name. */
	if (outfile_same(so.write_path, argv[optind]))
		return misuse("-w names the capture being read (the same file); "
		    "nothing written:", so.write_path);
	if (outfile_same(o.html, argv[optind]) || outfile_same(o.html, o.config))
		return misuse("--html names an input (the same file); nothing "
		    "written:", o.html);
	if (outfile_same(so.write_path, o.config))
		return misuse("-w names the --config file (the same file); "
		    "nothing written:", so.write_path);
	if (outfile_same(so.write_inside_path, argv[optind]) ||
	    outfile_same(so.write_inside_path, o.config))
		return misuse("--write-inside names an input (the same file); "
		    "nothing written:", so.write_inside_path);
	if (outfile_same(so.write_inside_path, so.write_path) ||
	    (so.write_inside_path != NULL && so.write_path != NULL &&
	    strcmp(so.write_inside_path, so.write_path) == 0))
		return misuse("--write-inside and -w name the same file; "
		    "nothing written:", so.write_path);

	if ((cfgs = calloc(MAX_CONFIGS, sizeof(*cfgs))) == NULL ||
	    (res = calloc(MAX_CONFIGS, sizeof(*res))) == NULL) {
		warn("out of memory");
		free(cfgs);
		return 3;
	}
	if (o.compare) {
		if ((rc = build_cfg(&cfgs[n++], "off", &o, dirs, NULL)) != 0 ||
		    (rc = build_cfg(&cfgs[n++], o.profile, &o, dirs, NULL)) != 0)
			goto out;
		write_idx = 1;
	} else if (o.profiles != NULL) {
		char buf[512], *tok, *save = NULL;

		snprintf(buf, sizeof(buf), "%s", o.profiles);
		for (tok = strtok_r(buf, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save)) {
			if (n >= MAX_CONFIGS) {
				rc = misuse("at most 16 configurations", NULL);
				goto out;
			}
			if ((rc = build_cfg(&cfgs[n++], tok, &o, dirs, NULL)) != 0)
				goto out;
		}
		if (n == 0) {
			rc = misuse("--profiles needs a list of names", NULL);
			goto out;
		}
	} else if (o.sweep != NULL) {
		const char *eq = strchr(o.sweep, '=');
		char name[64], vals[512], *tok, *save = NULL, set[640];

		if (eq == NULL || eq == o.sweep || (size_t)(eq - o.sweep) >= sizeof(name)) {
			rc = misuse("--sweep needs KNOB=V1,V2,..., not", o.sweep);
			goto out;
		}
		memcpy(name, o.sweep, (size_t)(eq - o.sweep));
		name[eq - o.sweep] = '\0';
		snprintf(vals, sizeof(vals), "%s", eq + 1);
		for (tok = strtok_r(vals, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save)) {
			if (n >= MAX_CONFIGS) {
				rc = misuse("at most 16 sweep values", NULL);
				goto out;
			}
			snprintf(set, sizeof(set), "%s=%s", name, tok);
			if ((rc = build_cfg(&cfgs[n++], o.profile, &o, dirs, set)) != 0)
				goto out;
		}
		if (n == 0) {
			rc = misuse("--sweep needs at least one value:", o.sweep);
			goto out;
		}
	} else {
		if ((rc = build_cfg(&cfgs[n++], o.profile, &o, dirs, NULL)) != 0)
			goto out;
	}

	sipmsg_global_init();
	if ((cap = sim_capture_load(argv[optind], err, sizeof(err))) == NULL) {
		warn("%s", err);
		rc = 3;
		goto out;
	}
	/* what the capture shows of the far end: a first pass over it */
	if ((actx = malloc(sizeof(*actx))) == NULL ||
	    (as = calloc(n, sizeof(*as))) == NULL) {
		warn("out of memory");
		rc = 3;
		sim_capture_free(cap);
		goto out;
	}
	assume_init(actx);
	rc = sim_capture_each_refusals(cap, observe, observe_refused, actx, err,
	    sizeof(err));
	assume_fini(actx);
	if (rc != 0) {
		warn("%s", err);
		rc = 3;
		sim_capture_free(cap);
		goto out;
	}
	for (i = 0; i < n; i++) {
		assume_apply(actx, &cfgs[i], knob_is_set, &o, &as[i]);
		if (answers_set(&o) >= 0)
			assume_set_answers(&as[i], answers_set(&o));
	}
	{
		struct sim_opts run[MAX_CONFIGS];

		for (i = 0; i < n; i++) {
			run[i] = so;
			run[i].far_rtp_shown = assume_far_rtp_shown;
			run[i].far_rtp_user = actx;
			if (assume_answers_false(&as[i])) {
				run[i].far_silent = assume_answers_set(&as[i]) ?
				    assume_far_silent_all : assume_far_silent;
				run[i].far_silent_user = actx;
			}
			/* a refusal the capture shows holds whatever the
			 * knob says: the path, not the far end */
			run[i].far_refused = assume_far_refused;
			run[i].far_refused_user = actx;
			if ((int)i != write_idx) {
				run[i].write_path = NULL;
				run[i].write_inside_path = NULL;
			}
			cp[i] = &cfgs[i];
			rp[i] = &res[i];
		}
		/* every configuration in one pass over the capture */
		if (sim_runs(cfgs, n, cap, run, res, err, sizeof(err)) != 0) {
			warn("%s", err);
			rc = 3;
			sim_capture_free(cap);
			goto out;
		}
	}
	if (getenv("SIPALG_SIM_WORK") != NULL)
		for (i = 0; i < n; i++)
		{
			fprintf(stderr, "sipalg-sim: %s: work %llu steps, %llu packets\n",
			    res[i].cfg_name, (unsigned long long)res[i].work,
			    (unsigned long long)(res[i].out_pkts + res[i].in_pkts));
			fprintf(stderr, "sipalg-sim: %s: dialogs %zu, retired %zu, at most %zu live, %zu keys of retired dialogs, %u replays\n",
			    res[i].cfg_name, res[i].nseq, res[i].nretired,
			    res[i].live_peak, res[i].ghosts, res[i].replays);
		}
	if (o.html == NULL || o.fmt_given)
		outcome_report(stdout, o.fmt, argv[optind], cp, rp, as,
		    assume_outside_capture(actx), n);
	if (o.html != NULL && outcome_html_write(o.html, argv[optind], cp, rp,
	    as, n, err, sizeof(err)) != 0) {
		warn("%s", err);
		rc = 3;
	}
	/* a retired dialog's row that could not be read back: the report
	 * above lacks it */
	for (i = 0; i < n; i++)
		if (outcome_rows_error(&res[i]) != 0) {
			warn("%s: reading back the dialogs done from a "
			    "temporary file: %s", argv[optind],
			    strerror(outcome_rows_error(&res[i])));
			rc = 3;
			break;
		}
	sim_capture_free(cap);
out:
	for (i = 0; i < n && res != NULL; i++)
		sim_result_fini(&res[i]);
	free(cfgs);
	free(res);
	free(actx);
	free(as);
	return rc;
}

/* Standard output is only known written once its flush succeeded. */
int
main(int argc, char **argv)
{
	int e, status = outfile_main(sim_main, argc, argv, &e);

	if (e != 0) {
		warn("writing output: %s", strerror(e));
		return 3;
	}
	return status;
}
