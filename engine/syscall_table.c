#include "syscall_table.h"

#include <stddef.h>
#include <string.h>

#include "event.h"

/* Indexed by x86-64 syscall number. Numbers 335-423 were never assigned on
 * x86-64 (the 424+ range is shared by every architecture), so they stay
 * empty, as does everything past the newest syscall. Kinds are given for the
 * syscalls people read traces for; the rest print as raw hex.
 *
 * A row is {name, argument kinds, classes, needs, capture}; the last two are
 * left out where the state needs nothing (see syscall_table.h):
 *   classes  TD fd  TF file  TN network  TP process  TM memory  TS signal
 *            TI ipc  TC creds  TCL clock -- strace's classes for the same
 *            syscalls, so that a class selects what strace's would.
 *   needs    STOP the state needs every call, so it always stops;
 *            IO the state counts its bytes: it stops when I/O is wanted;
 *            ENTRY the state reads it at entry; NOEXIT it never returns;
 *            NEWFD the fds it makes are learnt as the kernel names them;
 *            CWD it changes the working directory, learnt at its exit;
 *            CLOSES it closes fds (a source's pending work on them ends);
 *            STARTS it starts a task or a program (its entry is reported).
 *            They must be exactly what the state's own dispatch says
 *            (state_needs); a unit test holds the two together.
 *   capture  what the state takes from each argument's memory, by
 *            position; see SYSCALL_CAPTURE_* in syscall_table.h. */
#define TD SYSCALL_CLASS_FD
#define TF SYSCALL_CLASS_FILE
#define TN SYSCALL_CLASS_NETWORK
#define TP SYSCALL_CLASS_PROCESS
#define TM SYSCALL_CLASS_MEMORY
#define TS SYSCALL_CLASS_SIGNAL
#define TI SYSCALL_CLASS_IPC
#define TC SYSCALL_CLASS_CREDS
#define TCL SYSCALL_CLASS_CLOCK
#define STOP SYSCALL_NEED_STOP
#define IO SYSCALL_NEED_IO
#define ENTRY SYSCALL_NEED_ENTRY
#define NOEXIT SYSCALL_NEED_NO_EXIT
#define NEWFD SYSCALL_NEED_NEW_FD
#define CWD SYSCALL_NEED_CWD
#define CLOSES SYSCALL_NEED_CLOSES
#define STARTS SYSCALL_NEED_STARTS

static const struct syscall_desc syscall_table[SYSCALL_TABLE_SIZE] = {
    [0] = {"read", "dBu", TD, IO, "d"},
    [1] = {"write", "dbu", TD, IO, "d"},
    [2] = {"open", "pom", TD | TF, STOP | ENTRY | NEWFD, "p"},
    [3] = {"close", "d", TD, STOP | CLOSES},
    [4] = {"stat", "pT", TF},
    [5] = {"fstat", "dT", TD},
    [6] = {"lstat", "pT", TF},
    [7] = {"poll", ":ui", TD},
    [8] = {"lseek", "diw", TD},
    [9] = {"mmap", "xuPFdh", TD | TM, STOP, "----R"},
    [10] = {"mprotect", "xuP", TM, STOP},
    [11] = {"munmap", "xu", TM, STOP},
    [12] = {"brk", "x", TM, STOP},
    [13] = {"rt_sigaction", "SGHu", TS},
    [14] = {"rt_sigprocmask", "qQRu", TS},
    [15] = {"rt_sigreturn", "", TS},
    [16] = {"ioctl", "dfx", TD},
    [17] = {"pread64", "dBuu", TD, IO, "d"},
    [18] = {"pwrite64", "dbuu", TD, IO, "d"},
    [19] = {"readv", "d9u", TD, IO, "d"},
    [20] = {"writev", "d8u", TD, IO, "d"},
    [21] = {"access", "pe", TF},
    [22] = {"pipe", "Y", TD, STOP | NEWFD, "F"},
    [23] = {"select", "ixxxx", TD},
    [24] = {"sched_yield", "", 0},
    [25] = {"mremap", "xuuux", TM, STOP},
    [26] = {"msync", "xui", TM},
    [27] = {"mincore", "xux", TM},
    [28] = {"madvise", "xuI", TM},
    [29] = {"shmget", NULL, TI},
    [30] = {"shmat", NULL, TI | TM},
    [31] = {"shmctl", NULL, TI},
    [32] = {"dup", "d", TD, STOP, "d"},
    [33] = {"dup2", "dd", TD, STOP | CLOSES, "d"},
    [34] = {"pause", "", TS},
    [35] = {"nanosleep", "1x", 0},
    [36] = {"getitimer", NULL, 0},
    [37] = {"alarm", "u", 0},
    [38] = {"setitimer", NULL, 0},
    [39] = {"getpid", "", 0},
    [40] = {"sendfile", "dd>u", TD | TN, IO, "dd"},
    [41] = {"socket", "vt0", TN, STOP},
    [42] = {"connect", "dau", TN, STOP | ENTRY, "da"},
    [43] = {"accept", "dAx", TN, STOP | NEWFD, "dA"},
    [44] = {"sendto", "dbuMau", TN, IO | ENTRY, "d---a"},
    [45] = {"recvfrom", "dBuMAx", TN, IO, "d---A"},
    [46] = {"sendmsg", "d@M", TN, IO, "d"},
    [47] = {"recvmsg", "d&M", TN, IO, "dN"},
    [48] = {"shutdown", "di", TN},
    [49] = {"bind", "dau", TN},
    [50] = {"listen", "di", TN},
    [51] = {"getsockname", "dAx", TN},
    [52] = {"getpeername", "dAx", TN},
    [53] = {"socketpair", "vt0Y", TN, STOP, "---F"},
    [54] = {"setsockopt", "dlOzu", TN},
    [55] = {"getsockopt", "dlOUU", TN},
    [56] = {"clone", "cxxxx", TP, STOP | ENTRY | STARTS},
    [57] = {"fork", "", TP, STOP | ENTRY | STARTS},
    [58] = {"vfork", "", TP, STOP | ENTRY | STARTS},
    [59] = {"execve", "pVj", TF | TP, STOP | ENTRY | STARTS, "p"},
    [60] = {"exit", "i", TP, NOEXIT},
    [61] = {"wait4", "iZWx", TP},
    [62] = {"kill", "iS", TS | TP},
    [63] = {"uname", "2", 0},
    [64] = {"semget", NULL, TI},
    [65] = {"semop", NULL, TI},
    [66] = {"semctl", NULL, TI},
    [67] = {"shmdt", NULL, TI | TM},
    [68] = {"msgget", NULL, TI},
    [69] = {"msgsnd", NULL, TI},
    [70] = {"msgrcv", NULL, TI},
    [71] = {"msgctl", NULL, TI},
    [72] = {"fcntl", "df3", TD, STOP, "d"},
    [73] = {"flock", "di", TD},
    [74] = {"fsync", "d", TD},
    [75] = {"fdatasync", "d", TD},
    [76] = {"truncate", "pi", TF, STOP | ENTRY, "p"},
    [77] = {"ftruncate", "di", TD, STOP | ENTRY, "d"},
    [78] = {"getdents", "dEu", TD},
    [79] = {"getcwd", "5u", TF},
    [80] = {"chdir", "p", TF, STOP | CWD},
    [81] = {"fchdir", "d", TD, STOP | CWD},
    [82] = {"rename", "pp", TF, STOP | ENTRY, "pp"},
    [83] = {"mkdir", "pm", TF, STOP | ENTRY, "p"},
    [84] = {"rmdir", "p", TF, STOP | ENTRY, "p"},
    [85] = {"creat", "pm", TD | TF, STOP | ENTRY | NEWFD, "p"},
    [86] = {"link", "pp", TF, STOP | ENTRY, "pp"},
    [87] = {"unlink", "p", TF, STOP | ENTRY, "p"},
    [88] = {"symlink", "pp", TF, STOP | ENTRY, "pp"},
    [89] = {"readlink", "pBu", TF},
    [90] = {"chmod", "pm", TF, STOP | ENTRY, "p"},
    [91] = {"fchmod", "dm", TD, STOP | ENTRY, "d"},
    [92] = {"chown", "pii", TF, STOP | ENTRY, "p"},
    [93] = {"fchown", "dii", TD, STOP | ENTRY, "d"},
    [94] = {"lchown", "pii", TF, STOP | ENTRY, "p"},
    [95] = {"umask", "m", 0},
    [96] = {"gettimeofday", "xx", TCL},
    [97] = {"getrlimit", "rK", 0},
    [98] = {"getrusage", "ix", 0},
    [99] = {"sysinfo", "%", 0},
    [100] = {"times", "x", 0},
    [101] = {"ptrace", NULL, 0},
    [102] = {"getuid", "", TC},
    [103] = {"syslog", NULL, 0},
    [104] = {"getgid", "", TC},
    [105] = {"setuid", "i", TC},
    [106] = {"setgid", "i", TC},
    [107] = {"geteuid", "", TC},
    [108] = {"getegid", "", TC},
    [109] = {"setpgid", "ii", 0},
    [110] = {"getppid", "", 0},
    [111] = {"getpgrp", "", 0},
    [112] = {"setsid", "", 0},
    [113] = {"setreuid", NULL, TC},
    [114] = {"setregid", NULL, TC},
    [115] = {"getgroups", NULL, TC},
    [116] = {"setgroups", NULL, TC},
    [117] = {"setresuid", NULL, TC},
    [118] = {"getresuid", NULL, TC},
    [119] = {"setresgid", NULL, TC},
    [120] = {"getresgid", NULL, TC},
    [121] = {"getpgid", "i", 0},
    [122] = {"setfsuid", NULL, TC},
    [123] = {"setfsgid", NULL, TC},
    [124] = {"getsid", "i", 0},
    [125] = {"capget", NULL, TC},
    [126] = {"capset", NULL, TC},
    [127] = {"rt_sigpending", "Ru", TS},
    [128] = {"rt_sigtimedwait", "xxxu", TS},
    [129] = {"rt_sigqueueinfo", NULL, TS | TP},
    [130] = {"rt_sigsuspend", "xu", TS},
    [131] = {"sigaltstack", "xx", TS},
    [132] = {"utime", "px", TF, STOP | ENTRY, "p"},
    [133] = {"mknod", NULL, TF},
    [134] = {"uselib", NULL, TF},
    [135] = {"personality", NULL, 0},
    [136] = {"ustat", NULL, 0},
    [137] = {"statfs", "px", TF},
    [138] = {"fstatfs", "dx", TD},
    [139] = {"sysfs", NULL, 0},
    [140] = {"getpriority", "ii", 0},
    [141] = {"setpriority", "iii", 0},
    [142] = {"sched_setparam", NULL, 0},
    [143] = {"sched_getparam", NULL, 0},
    [144] = {"sched_setscheduler", NULL, 0},
    [145] = {"sched_getscheduler", NULL, 0},
    [146] = {"sched_get_priority_max", NULL, 0},
    [147] = {"sched_get_priority_min", NULL, 0},
    [148] = {"sched_rr_get_interval", NULL, 0},
    [149] = {"mlock", "xu", TM},
    [150] = {"munlock", "xu", TM},
    [151] = {"mlockall", "u", TM},
    [152] = {"munlockall", "", TM},
    [153] = {"vhangup", NULL, 0},
    [154] = {"modify_ldt", NULL, 0},
    [155] = {"pivot_root", NULL, TF},
    [156] = {"_sysctl", NULL, 0},
    [157] = {"prctl", "fuuuu", TC},
    [158] = {"arch_prctl", "fx", 0},
    [159] = {"adjtimex", NULL, TCL},
    [160] = {"setrlimit", "rL", 0},
    [161] = {"chroot", "p", TF},
    [162] = {"sync", "", 0},
    [163] = {"acct", NULL, TF},
    [164] = {"settimeofday", NULL, TCL},
    [165] = {"mount", NULL, TF},
    [166] = {"umount2", "pu", TF},
    [167] = {"swapon", NULL, TF},
    [168] = {"swapoff", NULL, TF},
    [169] = {"reboot", NULL, 0},
    [170] = {"sethostname", NULL, 0},
    [171] = {"setdomainname", NULL, 0},
    [172] = {"iopl", NULL, 0},
    [173] = {"ioperm", NULL, 0},
    [174] = {"create_module", NULL, 0},
    [175] = {"init_module", NULL, 0},
    [176] = {"delete_module", NULL, 0},
    [177] = {"get_kernel_syms", NULL, 0},
    [178] = {"query_module", NULL, 0},
    [179] = {"quotactl", NULL, TF},
    [180] = {"nfsservctl", NULL, 0},
    [181] = {"getpmsg", NULL, TN},
    [182] = {"putpmsg", NULL, TN},
    [183] = {"afs_syscall", NULL, 0},
    [184] = {"tuxcall", NULL, 0},
    [185] = {"security", NULL, 0},
    [186] = {"gettid", "", 0},
    [187] = {"readahead", "diu", TD},
    [188] = {"setxattr", "psbui", TF},
    [189] = {"lsetxattr", "psbui", TF},
    [190] = {"fsetxattr", "dsbui", TD},
    [191] = {"getxattr", "psBu", TF},
    [192] = {"lgetxattr", "psBu", TF},
    [193] = {"fgetxattr", "dsBu", TD},
    [194] = {"listxattr", "pBu", TF},
    [195] = {"llistxattr", "pBu", TF},
    [196] = {"flistxattr", "dBu", TD},
    [197] = {"removexattr", "ps", TF},
    [198] = {"lremovexattr", "ps", TF},
    [199] = {"fremovexattr", "ds", TD},
    [200] = {"tkill", "iS", TS | TP},
    [201] = {"time", "x", TCL},
    [202] = {"futex", "xfu1xu", 0},
    [203] = {"sched_setaffinity", "iux", 0},
    [204] = {"sched_getaffinity", "iu4", 0},
    [205] = {"set_thread_area", NULL, 0},
    [206] = {"io_setup", NULL, TM},
    [207] = {"io_destroy", NULL, TM},
    [208] = {"io_getevents", NULL, 0},
    [209] = {"io_submit", NULL, 0},
    [210] = {"io_cancel", NULL, 0},
    [211] = {"get_thread_area", NULL, 0},
    [212] = {"lookup_dcookie", NULL, 0},
    [213] = {"epoll_create", "i", TD, STOP | NEWFD},
    [214] = {"epoll_ctl_old", NULL, 0},
    [215] = {"epoll_wait_old", NULL, 0},
    [216] = {"remap_file_pages", NULL, TM},
    [217] = {"getdents64", "dEu", TD},
    [218] = {"set_tid_address", "x", 0},
    [219] = {"restart_syscall", "", 0},
    [220] = {"semtimedop", NULL, TI},
    [221] = {"fadvise64", "diiy", TD},
    [222] = {"timer_create", NULL, 0},
    [223] = {"timer_settime", NULL, 0},
    [224] = {"timer_gettime", NULL, 0},
    [225] = {"timer_getoverrun", NULL, 0},
    [226] = {"timer_delete", NULL, 0},
    [227] = {"clock_settime", NULL, TCL},
    [228] = {"clock_gettime", "Cx", TCL},
    [229] = {"clock_getres", "Cx", TCL},
    [230] = {"clock_nanosleep", "Ci1x", 0},
    [231] = {"exit_group", "i", TP, NOEXIT},
    [232] = {"epoll_wait", "dxii", TD},
    [233] = {"epoll_ctl", "dfdx", TD},
    [234] = {"tgkill", "iiS", TS | TP},
    [235] = {"utimes", "px", TF, STOP | ENTRY, "p"},
    [236] = {"vserver", NULL, 0},
    [237] = {"mbind", NULL, TM},
    [238] = {"set_mempolicy", NULL, TM},
    [239] = {"get_mempolicy", NULL, TM},
    [240] = {"mq_open", NULL, TD},
    [241] = {"mq_unlink", NULL, 0},
    [242] = {"mq_timedsend", NULL, TD},
    [243] = {"mq_timedreceive", NULL, TD},
    [244] = {"mq_notify", NULL, TD},
    [245] = {"mq_getsetattr", NULL, TD},
    [246] = {"kexec_load", NULL, 0},
    [247] = {"waitid", "iixWx", TP},
    [248] = {"add_key", NULL, 0},
    [249] = {"request_key", NULL, 0},
    [250] = {"keyctl", NULL, 0},
    [251] = {"ioprio_set", NULL, 0},
    [252] = {"ioprio_get", NULL, 0},
    [253] = {"inotify_init", "", TD, STOP | NEWFD},
    [254] = {"inotify_add_watch", "dpu", TD | TF},
    [255] = {"inotify_rm_watch", "di", TD},
    [256] = {"migrate_pages", NULL, TM},
    [257] = {"openat", "Dpom", TD | TF, STOP | ENTRY | NEWFD, "-p"},
    [258] = {"mkdirat", "Dpm", TD | TF, STOP | ENTRY, "dp"},
    [259] = {"mknodat", "Dpmu", TD | TF},
    [260] = {"fchownat", "Dpiiu", TD | TF, STOP | ENTRY, "dp"},
    [261] = {"futimesat", "Dpx", TD | TF, STOP | ENTRY, "dp"},
    [262] = {"newfstatat", "DpTn", TD | TF},
    [263] = {"unlinkat", "Dpn", TD | TF, STOP | ENTRY, "dp"},
    [264] = {"renameat", "DpDp", TD | TF, STOP | ENTRY, "dpdp"},
    [265] = {"linkat", "DpDpn", TD | TF, STOP | ENTRY, "dpdp"},
    [266] = {"symlinkat", "pDp", TD | TF, STOP | ENTRY, "pdp"},
    [267] = {"readlinkat", "DpBu", TD | TF},
    [268] = {"fchmodat", "Dpm", TD | TF, STOP | ENTRY, "dp"},
    [269] = {"faccessat", "Dpe", TD | TF},
    [270] = {"pselect6", "ixxxxx", TD},
    [271] = {"ppoll", "xuxxu", TD},
    [272] = {"unshare", NULL, 0},
    [273] = {"set_robust_list", "xu", 0},
    [274] = {"get_robust_list", "ixx", 0},
    [275] = {"splice", "d<d<uu", TD, IO, "d-d"},
    [276] = {"tee", "dduu", TD, IO, "dd"},
    [277] = {"sync_file_range", "diiu", TD},
    [278] = {"vmsplice", "dxuu", TD, IO, "d"},
    [279] = {"move_pages", NULL, TM},
    [280] = {"utimensat", "Dpxn", TD | TF, STOP | ENTRY, "dp"},
    [281] = {"epoll_pwait", "dxiixu", TD},
    [282] = {"signalfd", "dxu", TD | TS, STOP | NEWFD},
    [283] = {"timerfd_create", "iu", TD, STOP | NEWFD},
    [284] = {"eventfd", "u", TD, STOP | NEWFD},
    [285] = {"fallocate", "diii", TD},
    [286] = {"timerfd_settime", "duxx", TD},
    [287] = {"timerfd_gettime", "dx", TD},
    [288] = {"accept4", "dAx7", TN, STOP | NEWFD, "dA"},
    [289] = {"signalfd4", "dxuu", TD | TS, STOP | NEWFD},
    [290] = {"eventfd2", "uu", TD, STOP | NEWFD},
    [291] = {"epoll_create1", "u", TD, STOP | NEWFD},
    [292] = {"dup3", "dd6", TD, STOP | CLOSES, "d"},
    [293] = {"pipe2", "Y6", TD, STOP | NEWFD, "F"},
    [294] = {"inotify_init1", "u", TD, STOP | NEWFD},
    [295] = {"preadv", "d9uu-", TD, IO, "d"},
    [296] = {"pwritev", "d8uu-", TD, IO, "d"},
    [297] = {"rt_tgsigqueueinfo", "iiSx", TP | TS},
    [298] = {"perf_event_open", NULL, TD},
    [299] = {"recvmmsg", "dxuux", TN, IO, "dM"},
    [300] = {"fanotify_init", NULL, TD},
    [301] = {"fanotify_mark", NULL, TD | TF},
    [302] = {"prlimit64", "irLK", 0},
    [303] = {"name_to_handle_at", NULL, TD | TF},
    [304] = {"open_by_handle_at", NULL, TD, STOP | NEWFD},
    [305] = {"clock_adjtime", NULL, TCL},
    [306] = {"syncfs", "d", TD},
    [307] = {"sendmmsg", "dxuu", TN, IO, "dM"},
    [308] = {"setns", NULL, TD},
    [309] = {"getcpu", "xxx", 0},
    [310] = {"process_vm_readv", NULL, 0},
    [311] = {"process_vm_writev", NULL, 0},
    [312] = {"kcmp", NULL, 0},
    [313] = {"finit_module", NULL, TD},
    [314] = {"sched_setattr", NULL, 0},
    [315] = {"sched_getattr", NULL, 0},
    [316] = {"renameat2", "DpDpu", TD | TF, STOP | ENTRY, "dpdp"},
    [317] = {"seccomp", NULL, 0},
    [318] = {"getrandom", "Bug", 0},
    [319] = {"memfd_create", "su", TD, STOP | NEWFD},
    [320] = {"kexec_file_load", NULL, TD},
    [321] = {"bpf", NULL, TD},
    [322] = {"execveat", "DpVjn", TD | TF | TP, STOP | ENTRY | STARTS, "dp"},
    [323] = {"userfaultfd", NULL, TD},
    [324] = {"membarrier", NULL, 0},
    [325] = {"mlock2", NULL, TM},
    [326] = {"copy_file_range", "d<d<uu", TD, IO, "d-d"},
    [327] = {"preadv2", "d9uu-u", TD, IO, "d"},
    [328] = {"pwritev2", "d8uu-u", TD, IO, "d"},
    [329] = {"pkey_mprotect", NULL, TM, STOP},
    [330] = {"pkey_alloc", NULL, 0},
    [331] = {"pkey_free", NULL, 0},
    [332] = {"statx", "DpNkX", TD | TF},
    [333] = {"io_pgetevents", NULL, 0},
    [334] = {"rseq", "xhih", 0},
    [424] = {"pidfd_send_signal", "dSxu", TD | TS | TP},
    [425] = {"io_uring_setup", "ux", TD, STOP, "-U"},
    [426] = {"io_uring_enter", "duuuxu", TD | TS, STOP | ENTRY, "R"},
    [427] = {"io_uring_register", "duxu", TD | TM, STOP | ENTRY, "R"},
    [428] = {"open_tree", NULL, TD | TF},
    [429] = {"move_mount", NULL, TD | TF},
    [430] = {"fsopen", NULL, TD},
    [431] = {"fsconfig", NULL, TD | TF},
    [432] = {"fsmount", NULL, TD},
    [433] = {"fspick", NULL, TD | TF},
    [434] = {"pidfd_open", "iu", TD, STOP | NEWFD},
    [435] = {"clone3", ";u", TP, STOP | ENTRY | STARTS, "C"},
    [436] = {"close_range", "uuu", TD, STOP | CLOSES},
    [437] = {"openat2", "Dpxu", TD | TF, STOP | ENTRY | NEWFD, "-pH"},
    [438] = {"pidfd_getfd", NULL, TD},
    [439] = {"faccessat2", "DpeJ", TD | TF},
    [440] = {"process_madvise", NULL, TD},
    [441] = {"epoll_pwait2", "dxixxu", TD},
    [442] = {"mount_setattr", NULL, TD | TF},
    [443] = {"quotactl_fd", NULL, TD},
    [444] = {"landlock_create_ruleset", NULL, TD},
    [445] = {"landlock_add_rule", NULL, TD},
    [446] = {"landlock_restrict_self", NULL, TD},
    [447] = {"memfd_secret", NULL, TD},
    [448] = {"process_mrelease", NULL, TD},
    [449] = {"futex_waitv", NULL, 0},
    [450] = {"set_mempolicy_home_node", NULL, TM},
    [451] = {"cachestat", NULL, TD},
    [452] = {"fchmodat2", "Dpmu", TD | TF, STOP | ENTRY, "dp"},
    [453] = {"map_shadow_stack", "xuu", TM},
    [454] = {"futex_wake", NULL, 0},
    [455] = {"futex_wait", NULL, 0},
    [456] = {"futex_requeue", NULL, 0},
    [457] = {"statmount", NULL, 0},
    [458] = {"listmount", NULL, 0},
    [459] = {"lsm_get_self_attr", NULL, 0},
    [460] = {"lsm_set_self_attr", NULL, 0},
    [461] = {"lsm_list_modules", NULL, 0},
    [462] = {"mseal", "xuu", TM},
    [463] = {"setxattrat", NULL, TD | TF},
    [464] = {"getxattrat", NULL, TD | TF},
    [465] = {"listxattrat", NULL, TD | TF},
    [466] = {"removexattrat", NULL, TD | TF},
    [467] = {"open_tree_attr", NULL, TD | TF},
    [468] = {"file_getattr", NULL, TD | TF},
    [469] = {"file_setattr", NULL, TD | TF},
};

const struct syscall_desc *syscall_desc(int32_t nr)
{
    if (nr < 0 || nr >= SYSCALL_TABLE_SIZE || !syscall_table[nr].name)
        return NULL;
    return &syscall_table[nr];
}

unsigned syscall_classes(int32_t nr)
{
    const struct syscall_desc *d = syscall_desc(nr);
    return d ? d->classes : 0;
}

unsigned syscall_needs(int32_t nr)
{
    const struct syscall_desc *d = syscall_desc(nr);
    return d ? d->needs : 0;
}

int syscall_closed_fd_arg(int32_t nr)
{
    const struct syscall_desc *d = syscall_desc(nr);
    if (!d || !(d->needs & SYSCALL_NEED_CLOSES))
        return SYSCALL_CLOSES_NONE;
    const char *last_fd = d->args ? strrchr(d->args, 'd') : NULL; /* the fd kind */
    return last_fd ? (int)(last_fd - d->args) : SYSCALL_CLOSES_RANGE;
}

/* In bit order: the names scripts select classes by. */
static const char *const class_names[] = {
    "fd", "file", "network", "process", "memory", "signal", "ipc", "creds", "clock",
};

const char *syscall_class_name(unsigned bit)
{
    for (unsigned i = 0; i < sizeof(class_names) / sizeof(class_names[0]); i++)
        if (bit == 1u << i)
            return class_names[i];
    return NULL;
}

unsigned syscall_class_by_name(const char *name)
{
    for (unsigned i = 0; name && i < sizeof(class_names) / sizeof(class_names[0]); i++)
        if (strcmp(name, class_names[i]) == 0)
            return 1u << i;
    return 0;
}

/* The script API's view (ffi_api): classes are named by the engine. */
uint32_t cmp_syscall_classes(int32_t nr)
{
    return syscall_classes(nr);
}

/* 0 for exit and exit_group: their `syscall` event is made at entry. */
int cmp_syscall_returns(int32_t nr)
{
    return !(syscall_needs(nr) & SYSCALL_NEED_NO_EXIT);
}

const char *cmp_syscall_class_name(uint32_t bit)
{
    return syscall_class_name(bit);
}

int32_t cmp_syscall_table_size(void)
{
    return SYSCALL_TABLE_SIZE;
}

size_t syscall_kind_shown(char kind, bool *at_exit)
{
    *at_exit = true;
    switch (kind) {
    case 'T': /* struct stat: st_mode, st_rdev and st_size lie in its first 56 bytes */
    case 'X': /* struct statx: the fields shown lie in its first 48 */
    case '%': /* struct sysinfo: 112 bytes */
    case '2': /* struct utsname: sysname and nodename */
        return 136;
    case 'H': /* struct sigaction, the kernel's: 32 bytes */
        return 32;
    case 'K': /* struct rlimit */
        return 16;
    case 'R': /* a sigset_t of 64 signals */
        return 8;
    case 'Z': /* a wait status */
    case 'U': /* an int */
        return 4;
    case 'G':
        *at_exit = false;
        return 32;
    case ';': /* struct clone_args up to tls */
        *at_exit = false;
        return 64;
    case 'L':
    case '1': /* struct timespec */
        *at_exit = false;
        return 16;
    case 'Q':
    case '<': /* a loff_t */
    case '>': /* a loff_t, read again at the exit */
        *at_exit = false;
        return 8;
    case 'z':
        *at_exit = false;
        return 4;
    default:
        return 0;
    }
}
