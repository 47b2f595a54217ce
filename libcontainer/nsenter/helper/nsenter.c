// The namespace joiner that runs before the Go runtime starts: setns() into a
// user or mount namespace needs a single-threaded process, which a Go program
// never is. The protocol (environment variables and fds) is documented in
// nsenter.go beside the constants that name it.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define MAX_NS 8

struct ns {
	const char *type;
	const char *path;
	int flag;
	int fd;
};

static const struct {
	const char *name;
	int flag;
} ns_types[] = {
	{"user", CLONE_NEWUSER},
	{"mnt", CLONE_NEWNS},
	{"pid", CLONE_NEWPID},
	{"net", CLONE_NEWNET},
	{"ipc", CLONE_NEWIPC},
	{"uts", CLONE_NEWUTS},
	{"cgroup", CLONE_NEWCGROUP},
	{"time", CLONE_NEWTIME},
};

// die reports "nsenter: <what>: <strerror>" on stderr, the text the runtime
// passes on to the user, and exits 1.
static void die(const char *fmt, ...)
{
	int saved = errno;
	char what[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	fprintf(stderr, "nsenter: %s: %s\n", what, strerror(saved));
	exit(1);
}

// env_int reads a non-negative decimal variable; def when unset or empty.
static int env_int(const char *name, int def)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return def;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > INT_MAX) {
		errno = EINVAL;
		die("%s=%s: want a non-negative decimal number", name, s);
	}
	return (int)v;
}

static int ns_flag(const char *type)
{
	for (size_t i = 0; i < sizeof(ns_types) / sizeof(ns_types[0]); i++)
		if (strcmp(type, ns_types[i].name) == 0)
			return ns_types[i].flag;
	errno = EINVAL;
	die("namespace type \"%s\": want one of user, mnt, pid, net, ipc, uts, cgroup, time", type);
	return 0;
}

// open_namespaces opens every path of "type:path,type:path" before joining
// any, since joining the mount namespace changes what the paths resolve to.
static int open_namespaces(char *list, struct ns *ns)
{
	char *save = NULL, *item;
	int n = 0;

	for (item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *path = strchr(item, ':');

		if (path == NULL || path[1] == '\0') {
			errno = EINVAL;
			die("namespace \"%s\": want type:path", item);
		}
		if (n == MAX_NS) {
			errno = E2BIG;
			die("more than %d namespaces to join", MAX_NS);
		}
		*path++ = '\0';
		ns[n].type = item;
		ns[n].path = path;
		ns[n].flag = ns_flag(item);
		ns[n].fd = open(path, O_RDONLY | O_CLOEXEC);
		if (ns[n].fd < 0)
			die("open %s:%s", item, path);
		n++;
	}
	return n;
}

// join_namespaces joins the user namespace first (it grants the capabilities
// to join the others) and then the rest in the order given.
static int join_namespaces(struct ns *ns, int n)
{
	int joined = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < n; i++) {
			if ((ns[i].flag == CLONE_NEWUSER) != (pass == 0))
				continue;
			if (setns(ns[i].fd, ns[i].flag) < 0)
				die("setns %s:%s", ns[i].type, ns[i].path);
			close(ns[i].fd);
			joined |= ns[i].flag;
		}
	}
	return joined;
}

// become_root makes ids 0 ours in a user namespace just joined or created,
// as runc does, so the Go side starts as root there whatever ids we had.
static void become_root(void)
{
	if (setresgid(0, 0, 0) < 0)
		die("setresgid to 0 in the user namespace");
	if (setresuid(0, 0, 0) < 0)
		die("setresuid to 0 in the user namespace");
}

// unshare_user creates a user namespace and waits while the parent, which
// alone may, writes our uid_map and gid_map; then becomes root in it.
static void unshare_user(int syncfd)
{
	char c = 'U';
	ssize_t n;

	if (syncfd < 0) {
		errno = EINVAL;
		die("unshare user namespace: _HULL_SYNCFD is not set");
	}
	if (unshare(CLONE_NEWUSER) < 0)
		die("unshare user namespace");
	// The parent writes our /proc/<pid>/{uid,gid}_map, whose owner is root
	// while we are non-dumpable: a parent without host root (rootless)
	// could not open them. Dumpable only for the wait, as runc does.
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		die("make dumpable for the id maps");
	if (write(syncfd, &c, 1) != 1)
		die("ask for id maps on sync fd %d", syncfd);
	n = read(syncfd, &c, 1);
	if (n != 1) {
		if (n == 0)
			errno = EPIPE;
		die("wait for id maps on sync fd %d", syncfd);
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		die("make non-dumpable again");
	become_root();
}

// write_timens_offsets sets the clocks of a new time namespace; the kernel
// accepts this only before any process has entered it.
static void write_timens_offsets(const char *offsets)
{
	size_t len = strlen(offsets);
	int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		die("open /proc/self/timens_offsets");
	if (write(fd, offsets, len) != (ssize_t)len)
		die("write /proc/self/timens_offsets");
	close(fd);
}

static void report_pid(int fd, pid_t pid)
{
	char buf[32];
	int len;

	if (fd < 0)
		return;
	len = snprintf(buf, sizeof(buf), "%d\n", pid);
	if (write(fd, buf, len) != len) {
		int saved = errno;

		if (pid != getpid())
			kill(pid, SIGKILL);
		errno = saved;
		die("write pid to fd %d", fd);
	}
}

// fork_if_needed: a pid or time namespace only applies to children, so the
// container's init must be a child. This process reports its pid and exits;
// the caller (a subreaper, or told by the pid) takes care of the child.
static void fork_if_needed(int nsflags, int pidfd)
{
	pid_t pid;

	if (!(nsflags & (CLONE_NEWPID | CLONE_NEWTIME))) {
		report_pid(pidfd, getpid());
		return;
	}
	pid = fork();
	if (pid < 0)
		die("fork into the new pid or time namespace");
	if (pid == 0)
		return;
	report_pid(pidfd, pid);
	_exit(0);
}

__attribute__((constructor)) static void hull_nsenter(void)
{
	const char *paths, *offsets;
	struct sigaction ignore = {.sa_handler = SIG_IGN}, old_pipe;
	struct ns ns[MAX_NS];
	int n = 0, flags, syncfd, pidfd, nsflags;
	char *list;

	if (getenv("_HULL_NSENTER") == NULL)
		return;
	// Non-dumpable before joining anything (the CVE-2016-9962 class): a
	// process of a namespace we join must not ptrace us or open our
	// /proc/<pid>/mem while we still hold the host's privileges.
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		die("make non-dumpable");
	// A caller that hung up on a fd we write to is an error to report, not a
	// SIGPIPE that kills us silently; the old action is back before Go starts.
	sigaction(SIGPIPE, &ignore, &old_pipe);
	paths = getenv("_HULL_NSPATHS");
	offsets = getenv("_HULL_TIMENS_OFFSETS");
	flags = env_int("_HULL_UNSHARE", 0);
	syncfd = env_int("_HULL_SYNCFD", -1);
	pidfd = env_int("_HULL_PIDFD", -1);
	// glibc's unsetenv only unlinks the entries from the environ array the Go
	// runtime reads next; the strings (and our pointers) stay valid.
	unsetenv("_HULL_NSENTER");
	unsetenv("_HULL_NSPATHS");
	unsetenv("_HULL_UNSHARE");
	unsetenv("_HULL_SYNCFD");
	unsetenv("_HULL_PIDFD");
	unsetenv("_HULL_TIMENS_OFFSETS");

	if (paths != NULL && *paths != '\0') {
		list = strdup(paths);
		if (list == NULL)
			die("copy _HULL_NSPATHS");
		n = open_namespaces(list, ns);
	}
	nsflags = join_namespaces(ns, n);
	if ((flags & CLONE_NEWUSER) && (nsflags & CLONE_NEWUSER)) {
		errno = EINVAL;
		die("_HULL_UNSHARE asks for a new user namespace after joining one");
	}
	if (nsflags & CLONE_NEWUSER)
		become_root();
	if (flags & CLONE_NEWUSER)
		unshare_user(syncfd);
	if ((flags & ~CLONE_NEWUSER) && unshare(flags & ~CLONE_NEWUSER) < 0)
		die("unshare flags %#x", flags & ~CLONE_NEWUSER);
	if (offsets != NULL && *offsets != '\0')
		write_timens_offsets(offsets);
	fork_if_needed(nsflags | flags, pidfd);
	sigaction(SIGPIPE, &old_pipe, NULL);
}

// exec_fd execs the program open on fd with execveat(AT_EMPTY_PATH): once
// the container's mount namespace is joined, /proc/self/fd/N would resolve
// through the container's /proc, which the container controls.
static void exec_fd(int fd, char **argv)
{
	extern char **environ;

	syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	die("execveat fd %d", fd);
}

// hull-nsenter: by the time main runs, the constructor above has joined and
// created the namespaces (and forked if a pid or time namespace asked for
// it). What is left is to become hull's init: argv[1] is the hull binary to
// execute (hull passes /proc/self/fd/N of its read-only bind, which is
// exec'd through the fd itself) and argv[2...] the argv it gets.
int main(int argc, char **argv)
{
	const char *prefix = "/proc/self/fd/";
	char *end;
	long fd;

	if (argc < 3) {
		fprintf(stderr, "usage: hull-nsenter PROGRAM ARGV0 [ARG...] (run by hull, not by hand)\n");
		return 2;
	}
	if (strncmp(argv[1], prefix, strlen(prefix)) == 0) {
		errno = 0;
		fd = strtol(argv[1] + strlen(prefix), &end, 10);
		if (errno == 0 && *end == '\0' && fd >= 0 && fd <= INT_MAX)
			exec_fd((int)fd, argv + 2);
	}
	execv(argv[1], argv + 2);
	die("exec %s", argv[1]);
	return 1;
}
