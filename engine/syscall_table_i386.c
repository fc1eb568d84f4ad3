/* The i386 ABI: what a syscall made with `int $0x80` (by a 32-bit program, or
 * by a 64-bit one) means, as the x86-64 syscall of the same meaning. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "syscall_table.h"

/* How an i386 syscall becomes an x86-64 one. */
enum i386_how {
    I386_MAP = 0,    /* the x86-64 syscall `as`, arguments per `args` */
    I386_UNDECODED,  /* no x86-64 equivalent, or a layout the state would misread */
    I386_SOCKETCALL, /* socketcall(call, u32 args[]): one of the socket syscalls */
    I386_IPC,        /* ipc(call, first, second, third, ptr, fifth): SysV IPC */
    I386_OLD_MMAP,   /* mmap(struct mmap_arg_struct *): six u32 in memory */
};

/* One i386 syscall. `as` NULL: the x86-64 syscall of the same name. `args`
 * says where each x86-64 argument comes from, one letter per argument
 * (NULL: "012345"):
 *   0-5  that i386 argument, zero-extended
 *   a-e  a 64-bit value split in two, low half first: a = args 0 (low), 1 (high)
 *   A-E  the same, high half first (_llseek)
 *   P    i386 argument 5 in 4096-byte pages (mmap2's offset)
 *   -    0 (an argument the i386 form does not have) */
struct i386_syscall {
    const char *name;
    const char *as;
    const char *args;
    enum i386_how how;
};

/* Indexed by i386 syscall number, generated from the kernel's list and
 * checked by hand where the i386 form differs: split 64-bit offsets,
 * clone's argument order, the multiplexers, and the old calls whose
 * structs or semantics have no x86-64 twin. The numbers from 424 on are
 * shared by every architecture. */
static const struct i386_syscall i386_table[SYSCALL_I386_TABLE_SIZE] = {
    [0] = {"restart_syscall"},
    [1] = {"exit"},
    [2] = {"fork"},
    [3] = {"read"},
    [4] = {"write"},
    [5] = {"open"},
    [6] = {"close"},
    [7] = {"waitpid", "wait4", "012"},
    [8] = {"creat"},
    [9] = {"link"},
    [10] = {"unlink"},
    [11] = {"execve"},
    [12] = {"chdir"},
    [13] = {"time"},
    [14] = {"mknod"},
    [15] = {"chmod"},
    [16] = {"lchown"},
    [17] = {"break", .how = I386_UNDECODED},
    [18] = {"oldstat", "stat", NULL},
    [19] = {"lseek"},
    [20] = {"getpid"},
    [21] = {"mount"},
    [22] = {"umount", "umount2", "0"},
    [23] = {"setuid"},
    [24] = {"getuid"},
    [25] = {"stime", .how = I386_UNDECODED},
    [26] = {"ptrace"},
    [27] = {"alarm"},
    [28] = {"oldfstat", "fstat", NULL},
    [29] = {"pause"},
    [30] = {"utime"},
    [31] = {"stty", .how = I386_UNDECODED},
    [32] = {"gtty", .how = I386_UNDECODED},
    [33] = {"access"},
    [34] = {"nice", .how = I386_UNDECODED},
    [35] = {"ftime", .how = I386_UNDECODED},
    [36] = {"sync"},
    [37] = {"kill"},
    [38] = {"rename"},
    [39] = {"mkdir"},
    [40] = {"rmdir"},
    [41] = {"dup"},
    [42] = {"pipe"},
    [43] = {"times"},
    [44] = {"prof", .how = I386_UNDECODED},
    [45] = {"brk"},
    [46] = {"setgid"},
    [47] = {"getgid"},
    [48] = {"signal", .how = I386_UNDECODED},
    [49] = {"geteuid"},
    [50] = {"getegid"},
    [51] = {"acct"},
    [52] = {"umount2"},
    [53] = {"lock", .how = I386_UNDECODED},
    [54] = {"ioctl"},
    [55] = {"fcntl"},
    [56] = {"mpx", .how = I386_UNDECODED},
    [57] = {"setpgid"},
    [58] = {"ulimit", .how = I386_UNDECODED},
    [59] = {"oldolduname", "uname", NULL},
    [60] = {"umask"},
    [61] = {"chroot"},
    [62] = {"ustat"},
    [63] = {"dup2"},
    [64] = {"getppid"},
    [65] = {"getpgrp"},
    [66] = {"setsid"},
    [67] = {"sigaction", .how = I386_UNDECODED},
    [68] = {"sgetmask", .how = I386_UNDECODED},
    [69] = {"ssetmask", .how = I386_UNDECODED},
    [70] = {"setreuid"},
    [71] = {"setregid"},
    [72] = {"sigsuspend", .how = I386_UNDECODED},
    [73] = {"sigpending", .how = I386_UNDECODED},
    [74] = {"sethostname"},
    [75] = {"setrlimit"},
    [76] = {"getrlimit"},
    [77] = {"getrusage"},
    [78] = {"gettimeofday"},
    [79] = {"settimeofday"},
    [80] = {"getgroups"},
    [81] = {"setgroups"},
    [82] = {"select", .how = I386_UNDECODED},
    [83] = {"symlink"},
    [84] = {"oldlstat", "lstat", NULL},
    [85] = {"readlink"},
    [86] = {"uselib"},
    [87] = {"swapon"},
    [88] = {"reboot"},
    [89] = {"readdir", .how = I386_UNDECODED},
    [90] = {"mmap", .how = I386_OLD_MMAP},
    [91] = {"munmap"},
    [92] = {"truncate"},
    [93] = {"ftruncate"},
    [94] = {"fchmod"},
    [95] = {"fchown"},
    [96] = {"getpriority"},
    [97] = {"setpriority"},
    [98] = {"profil", .how = I386_UNDECODED},
    [99] = {"statfs"},
    [100] = {"fstatfs"},
    [101] = {"ioperm"},
    [102] = {"socketcall", .how = I386_SOCKETCALL},
    [103] = {"syslog"},
    [104] = {"setitimer"},
    [105] = {"getitimer"},
    [106] = {"stat"},
    [107] = {"lstat"},
    [108] = {"fstat"},
    [109] = {"olduname", "uname", NULL},
    [110] = {"iopl"},
    [111] = {"vhangup"},
    [112] = {"idle", .how = I386_UNDECODED},
    [113] = {"vm86old", .how = I386_UNDECODED},
    [114] = {"wait4"},
    [115] = {"swapoff"},
    [116] = {"sysinfo"},
    [117] = {"ipc", .how = I386_IPC},
    [118] = {"fsync"},
    [119] = {"sigreturn", "rt_sigreturn", ""},
    [120] = {"clone", NULL, "01243"},
    [121] = {"setdomainname"},
    [122] = {"uname"},
    [123] = {"modify_ldt"},
    [124] = {"adjtimex"},
    [125] = {"mprotect"},
    [126] = {"sigprocmask", .how = I386_UNDECODED},
    [127] = {"create_module"},
    [128] = {"init_module"},
    [129] = {"delete_module"},
    [130] = {"get_kernel_syms"},
    [131] = {"quotactl"},
    [132] = {"getpgid"},
    [133] = {"fchdir"},
    [134] = {"bdflush", .how = I386_UNDECODED},
    [135] = {"sysfs"},
    [136] = {"personality"},
    [137] = {"afs_syscall"},
    [138] = {"setfsuid"},
    [139] = {"setfsgid"},
    [140] = {"_llseek", "lseek", "0B4"},
    [141] = {"getdents"},
    [142] = {"_newselect", "select", NULL},
    [143] = {"flock"},
    [144] = {"msync"},
    [145] = {"readv"},
    [146] = {"writev"},
    [147] = {"getsid"},
    [148] = {"fdatasync"},
    [149] = {"_sysctl"},
    [150] = {"mlock"},
    [151] = {"munlock"},
    [152] = {"mlockall"},
    [153] = {"munlockall"},
    [154] = {"sched_setparam"},
    [155] = {"sched_getparam"},
    [156] = {"sched_setscheduler"},
    [157] = {"sched_getscheduler"},
    [158] = {"sched_yield"},
    [159] = {"sched_get_priority_max"},
    [160] = {"sched_get_priority_min"},
    [161] = {"sched_rr_get_interval"},
    [162] = {"nanosleep"},
    [163] = {"mremap"},
    [164] = {"setresuid"},
    [165] = {"getresuid"},
    [166] = {"vm86", .how = I386_UNDECODED},
    [167] = {"query_module"},
    [168] = {"poll"},
    [169] = {"nfsservctl"},
    [170] = {"setresgid"},
    [171] = {"getresgid"},
    [172] = {"prctl"},
    [173] = {"rt_sigreturn"},
    [174] = {"rt_sigaction"},
    [175] = {"rt_sigprocmask"},
    [176] = {"rt_sigpending"},
    [177] = {"rt_sigtimedwait"},
    [178] = {"rt_sigqueueinfo"},
    [179] = {"rt_sigsuspend"},
    [180] = {"pread64", NULL, "012d"},
    [181] = {"pwrite64", NULL, "012d"},
    [182] = {"chown"},
    [183] = {"getcwd"},
    [184] = {"capget"},
    [185] = {"capset"},
    [186] = {"sigaltstack"},
    [187] = {"sendfile"},
    [188] = {"getpmsg"},
    [189] = {"putpmsg"},
    [190] = {"vfork"},
    [191] = {"ugetrlimit", "getrlimit", NULL},
    [192] = {"mmap2", "mmap", "01234P"},
    [193] = {"truncate64", "truncate", "0b"},
    [194] = {"ftruncate64", "ftruncate", "0b"},
    [195] = {"stat64", "stat", NULL},
    [196] = {"lstat64", "lstat", NULL},
    [197] = {"fstat64", "fstat", NULL},
    [198] = {"lchown32", "lchown", NULL},
    [199] = {"getuid32", "getuid", NULL},
    [200] = {"getgid32", "getgid", NULL},
    [201] = {"geteuid32", "geteuid", NULL},
    [202] = {"getegid32", "getegid", NULL},
    [203] = {"setreuid32", "setreuid", NULL},
    [204] = {"setregid32", "setregid", NULL},
    [205] = {"getgroups32", "getgroups", NULL},
    [206] = {"setgroups32", "setgroups", NULL},
    [207] = {"fchown32", "fchown", NULL},
    [208] = {"setresuid32", "setresuid", NULL},
    [209] = {"getresuid32", "getresuid", NULL},
    [210] = {"setresgid32", "setresgid", NULL},
    [211] = {"getresgid32", "getresgid", NULL},
    [212] = {"chown32", "chown", NULL},
    [213] = {"setuid32", "setuid", NULL},
    [214] = {"setgid32", "setgid", NULL},
    [215] = {"setfsuid32", "setfsuid", NULL},
    [216] = {"setfsgid32", "setfsgid", NULL},
    [217] = {"pivot_root"},
    [218] = {"mincore"},
    [219] = {"madvise"},
    [220] = {"getdents64"},
    [221] = {"fcntl64", "fcntl", NULL},
    [224] = {"gettid"},
    [225] = {"readahead", NULL, "0b3"},
    [226] = {"setxattr"},
    [227] = {"lsetxattr"},
    [228] = {"fsetxattr"},
    [229] = {"getxattr"},
    [230] = {"lgetxattr"},
    [231] = {"fgetxattr"},
    [232] = {"listxattr"},
    [233] = {"llistxattr"},
    [234] = {"flistxattr"},
    [235] = {"removexattr"},
    [236] = {"lremovexattr"},
    [237] = {"fremovexattr"},
    [238] = {"tkill"},
    [239] = {"sendfile64", "sendfile", NULL},
    [240] = {"futex"},
    [241] = {"sched_setaffinity"},
    [242] = {"sched_getaffinity"},
    [243] = {"set_thread_area"},
    [244] = {"get_thread_area"},
    [245] = {"io_setup"},
    [246] = {"io_destroy"},
    [247] = {"io_getevents"},
    [248] = {"io_submit"},
    [249] = {"io_cancel"},
    [250] = {"fadvise64", NULL, "0b34"},
    [252] = {"exit_group"},
    [253] = {"lookup_dcookie", NULL, "a23"},
    [254] = {"epoll_create"},
    [255] = {"epoll_ctl"},
    [256] = {"epoll_wait"},
    [257] = {"remap_file_pages"},
    [258] = {"set_tid_address"},
    [259] = {"timer_create"},
    [260] = {"timer_settime"},
    [261] = {"timer_gettime"},
    [262] = {"timer_getoverrun"},
    [263] = {"timer_delete"},
    [264] = {"clock_settime"},
    [265] = {"clock_gettime"},
    [266] = {"clock_getres"},
    [267] = {"clock_nanosleep"},
    [268] = {"statfs64", "statfs", "02"},
    [269] = {"fstatfs64", "fstatfs", "02"},
    [270] = {"tgkill"},
    [271] = {"utimes"},
    [272] = {"fadvise64_64", "fadvise64", "0bd5"},
    [273] = {"vserver"},
    [274] = {"mbind"},
    [275] = {"get_mempolicy"},
    [276] = {"set_mempolicy"},
    [277] = {"mq_open"},
    [278] = {"mq_unlink"},
    [279] = {"mq_timedsend"},
    [280] = {"mq_timedreceive"},
    [281] = {"mq_notify"},
    [282] = {"mq_getsetattr"},
    [283] = {"kexec_load"},
    [284] = {"waitid"},
    [286] = {"add_key"},
    [287] = {"request_key"},
    [288] = {"keyctl"},
    [289] = {"ioprio_set"},
    [290] = {"ioprio_get"},
    [291] = {"inotify_init"},
    [292] = {"inotify_add_watch"},
    [293] = {"inotify_rm_watch"},
    [294] = {"migrate_pages"},
    [295] = {"openat"},
    [296] = {"mkdirat"},
    [297] = {"mknodat"},
    [298] = {"fchownat"},
    [299] = {"futimesat"},
    [300] = {"fstatat64", "newfstatat", NULL},
    [301] = {"unlinkat"},
    [302] = {"renameat"},
    [303] = {"linkat"},
    [304] = {"symlinkat"},
    [305] = {"readlinkat"},
    [306] = {"fchmodat"},
    [307] = {"faccessat"},
    [308] = {"pselect6"},
    [309] = {"ppoll"},
    [310] = {"unshare"},
    [311] = {"set_robust_list"},
    [312] = {"get_robust_list"},
    [313] = {"splice"},
    [314] = {"sync_file_range", NULL, "0bd5"},
    [315] = {"tee"},
    [316] = {"vmsplice"},
    [317] = {"move_pages"},
    [318] = {"getcpu"},
    [319] = {"epoll_pwait"},
    [320] = {"utimensat"},
    [321] = {"signalfd"},
    [322] = {"timerfd_create"},
    [323] = {"eventfd"},
    [324] = {"fallocate", NULL, "01ce"},
    [325] = {"timerfd_settime"},
    [326] = {"timerfd_gettime"},
    [327] = {"signalfd4"},
    [328] = {"eventfd2"},
    [329] = {"epoll_create1"},
    [330] = {"dup3"},
    [331] = {"pipe2"},
    [332] = {"inotify_init1"},
    [333] = {"preadv", NULL, "012d"},
    [334] = {"pwritev", NULL, "012d"},
    [335] = {"rt_tgsigqueueinfo"},
    [336] = {"perf_event_open"},
    [337] = {"recvmmsg", .how = I386_UNDECODED},
    [338] = {"fanotify_init"},
    [339] = {"fanotify_mark", NULL, "01c45"},
    [340] = {"prlimit64"},
    [341] = {"name_to_handle_at"},
    [342] = {"open_by_handle_at"},
    [343] = {"clock_adjtime"},
    [344] = {"syncfs"},
    [345] = {"sendmmsg", .how = I386_UNDECODED},
    [346] = {"setns"},
    [347] = {"process_vm_readv"},
    [348] = {"process_vm_writev"},
    [349] = {"kcmp"},
    [350] = {"finit_module"},
    [351] = {"sched_setattr"},
    [352] = {"sched_getattr"},
    [353] = {"renameat2"},
    [354] = {"seccomp"},
    [355] = {"getrandom"},
    [356] = {"memfd_create"},
    [357] = {"bpf"},
    [358] = {"execveat"},
    [359] = {"socket"},
    [360] = {"socketpair"},
    [361] = {"bind"},
    [362] = {"connect"},
    [363] = {"listen"},
    [364] = {"accept4"},
    [365] = {"getsockopt"},
    [366] = {"setsockopt"},
    [367] = {"getsockname"},
    [368] = {"getpeername"},
    [369] = {"sendto"},
    [370] = {"sendmsg"},
    [371] = {"recvfrom"},
    [372] = {"recvmsg"},
    [373] = {"shutdown"},
    [374] = {"userfaultfd"},
    [375] = {"membarrier"},
    [376] = {"mlock2"},
    [377] = {"copy_file_range"},
    [378] = {"preadv2", NULL, "012d-5"},
    [379] = {"pwritev2", NULL, "012d-5"},
    [380] = {"pkey_mprotect"},
    [381] = {"pkey_alloc"},
    [382] = {"pkey_free"},
    [383] = {"statx"},
    [384] = {"arch_prctl"},
    [385] = {"io_pgetevents"},
    [386] = {"rseq"},
    [393] = {"semget"},
    [394] = {"semctl"},
    [395] = {"shmget"},
    [396] = {"shmctl"},
    [397] = {"shmat"},
    [398] = {"shmdt"},
    [399] = {"msgget"},
    [400] = {"msgsnd"},
    [401] = {"msgrcv"},
    [402] = {"msgctl"},
    [403] = {"clock_gettime64", "clock_gettime", NULL},
    [404] = {"clock_settime64", "clock_settime", NULL},
    [405] = {"clock_adjtime64", "clock_adjtime", NULL},
    [406] = {"clock_getres_time64", "clock_getres", NULL},
    [407] = {"clock_nanosleep_time64", "clock_nanosleep", NULL},
    [408] = {"timer_gettime64", "timer_gettime", NULL},
    [409] = {"timer_settime64", "timer_settime", NULL},
    [410] = {"timerfd_gettime64", "timerfd_gettime", NULL},
    [411] = {"timerfd_settime64", "timerfd_settime", NULL},
    [412] = {"utimensat_time64", "utimensat", NULL},
    [413] = {"pselect6_time64", "pselect6", NULL},
    [414] = {"ppoll_time64", "ppoll", NULL},
    [416] = {"io_pgetevents_time64", "io_pgetevents", NULL},
    [417] = {"recvmmsg_time64", .how = I386_UNDECODED},
    [418] = {"mq_timedsend_time64", "mq_timedsend", NULL},
    [419] = {"mq_timedreceive_time64", "mq_timedreceive", NULL},
    [420] = {"semtimedop_time64", "semtimedop", NULL},
    [421] = {"rt_sigtimedwait_time64", "rt_sigtimedwait", NULL},
    [422] = {"futex_time64", "futex", NULL},
    [423] = {"sched_rr_get_interval_time64", "sched_rr_get_interval", NULL},
    [424] = {"pidfd_send_signal"},
    [425] = {"io_uring_setup"},
    [426] = {"io_uring_enter"},
    [427] = {"io_uring_register"},
    [428] = {"open_tree"},
    [429] = {"move_mount"},
    [430] = {"fsopen"},
    [431] = {"fsconfig"},
    [432] = {"fsmount"},
    [433] = {"fspick"},
    [434] = {"pidfd_open"},
    [435] = {"clone3"},
    [436] = {"close_range"},
    [437] = {"openat2"},
    [438] = {"pidfd_getfd"},
    [439] = {"faccessat2"},
    [440] = {"process_madvise"},
    [441] = {"epoll_pwait2"},
    [442] = {"mount_setattr"},
    [443] = {"quotactl_fd"},
    [444] = {"landlock_create_ruleset"},
    [445] = {"landlock_add_rule"},
    [446] = {"landlock_restrict_self"},
    [447] = {"memfd_secret"},
    [448] = {"process_mrelease"},
    [449] = {"futex_waitv"},
    [450] = {"set_mempolicy_home_node"},
    [451] = {"cachestat"},
    [452] = {"fchmodat2"},
    [453] = {"map_shadow_stack"},
    [454] = {"futex_wake"},
    [455] = {"futex_wait"},
    [456] = {"futex_requeue"},
    [457] = {"statmount"},
    [458] = {"listmount"},
    [459] = {"lsm_get_self_attr"},
    [460] = {"lsm_set_self_attr"},
    [461] = {"lsm_list_modules"},
    [462] = {"mseal"},
    [463] = {"setxattrat"},
    [464] = {"getxattrat"},
    [465] = {"listxattrat"},
    [466] = {"removexattrat"},
    [467] = {"open_tree_attr"},
    [468] = {"file_getattr"},
    [469] = {"file_setattr"},
};

/* Sub-calls of socketcall(2), by call number (linux/net.h). The kernel reads
 * as many u32 arguments as the call has; the letters say how many. */
static const struct i386_syscall socketcall_table[] = {
    [1] = {"socket", NULL, "012"},
    [2] = {"bind", NULL, "012"},
    [3] = {"connect", NULL, "012"},
    [4] = {"listen", NULL, "01"},
    [5] = {"accept", NULL, "012"},
    [6] = {"getsockname", NULL, "012"},
    [7] = {"getpeername", NULL, "012"},
    [8] = {"socketpair", NULL, "0123"},
    [9] = {"send", "sendto", "0123"},
    [10] = {"recv", "recvfrom", "0123"},
    [11] = {"sendto", NULL, "012345"},
    [12] = {"recvfrom", NULL, "012345"},
    [13] = {"shutdown", NULL, "01"},
    [14] = {"setsockopt", NULL, "01234"},
    [15] = {"getsockopt", NULL, "01234"},
    [16] = {"sendmsg", NULL, "012"},
    [17] = {"recvmsg", NULL, "012"},
    [18] = {"accept4", NULL, "0123"},
    [19] = {"socketcall:recvmmsg", .how = I386_UNDECODED},
    [20] = {"socketcall:sendmmsg", .how = I386_UNDECODED},
};

/* Sub-calls of ipc(2), by call number (the low 16 bits; the high ones are a
 * version). The letters index ipc's own arguments: 1 first, 2 second,
 * 3 third, 4 ptr, 5 fifth. semctl passes its fourth argument through
 * memory, msgrcv's version 0 a struct: not decoded. */
static const struct i386_syscall ipc_table[] = {
    [1] = {"semop", NULL, "142"},
    [2] = {"semget", NULL, "123"},
    [3] = {"ipc:semctl", .how = I386_UNDECODED},
    [4] = {"semtimedop", NULL, "1425"},
    [11] = {"msgsnd", NULL, "1423"},
    [12] = {"msgrcv", NULL, "14253"},
    [13] = {"msgget", NULL, "12"},
    [14] = {"msgctl", NULL, "124"},
    [21] = {"shmat", NULL, "142"},
    [22] = {"shmdt", NULL, "4"},
    [23] = {"shmget", NULL, "123"},
    [24] = {"shmctl", NULL, "124"},
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))
#define IPC_MSGRCV 12
#define IPC_SHMAT 21
#define I386_PAGE_SHIFT 12

const char *syscall_i386_name(int32_t nr)
{
    if (nr < 0 || nr >= SYSCALL_I386_TABLE_SIZE)
        return NULL;
    return i386_table[nr].name;
}

/* The x86-64 number of the syscall an entry stands for, -1 if none. */
static int32_t x86_64_number(const struct i386_syscall *s)
{
    const char *name = s->as ? s->as : s->name;
    for (int32_t nr = 0; nr < SYSCALL_TABLE_SIZE; nr++) {
        const struct syscall_desc *d = syscall_desc(nr);
        if (d && strcmp(d->name, name) == 0)
            return nr;
    }
    return -1;
}

/* Looked up by name once per entry, then kept: the table stays one list of
 * names that a reader can check against the kernel's. */
static int32_t cached_number(const struct i386_syscall *s, int32_t *cache)
{
    if (*cache == 0)
        *cache = x86_64_number(s) + 1;
    return *cache - 1;
}

static void shuffle(const char *spec, const uint64_t in[6], uint64_t out[6])
{
    if (!spec)
        spec = "012345";
    memset(out, 0, 6 * sizeof(out[0]));
    for (int i = 0; i < 6 && spec[i]; i++) {
        char k = spec[i];
        if (k >= '0' && k <= '5')
            out[i] = in[k - '0'];
        else if (k >= 'a' && k <= 'e')
            out[i] = in[k - 'a'] | in[k - 'a' + 1] << 32;
        else if (k >= 'A' && k <= 'E')
            out[i] = in[k - 'A'] << 32 | in[k - 'A' + 1];
        else if (k == 'P')
            out[i] = in[5] << I386_PAGE_SHIFT;
    }
}

/* The number of u32 arguments a socketcall sub-call reads. */
static size_t spec_words(const char *spec)
{
    size_t words = 0;
    for (size_t i = 0; spec[i]; i++)
        if (spec[i] >= '0' && spec[i] <= '5' && (size_t)(spec[i] - '0') + 1 > words)
            words = (size_t)(spec[i] - '0') + 1;
    return words;
}

static bool read_words(syscall_mem_reader read, void *ctx, uint64_t addr, size_t count,
                       uint64_t out[6])
{
    uint32_t words[6] = {0};
    if (!read || !read(ctx, addr, words, count * sizeof(words[0])))
        return false;
    for (size_t i = 0; i < 6; i++)
        out[i] = words[i];
    return true;
}

static bool finish(const struct i386_syscall *s, int32_t *cache, const uint64_t in[6],
                   struct syscall_i386_call *out)
{
    out->name = s->name;
    if (s->how != I386_MAP)
        return false;
    out->nr = cached_number(s, cache);
    if (out->nr < 0)
        return false;
    shuffle(s->args, in, out->args);
    return true;
}

bool syscall_i386_translate(int32_t nr, const uint64_t raw[6], syscall_mem_reader read, void *ctx,
                            struct syscall_i386_call *out)
{
    static int32_t numbers[SYSCALL_I386_TABLE_SIZE];
    static int32_t socketcall_numbers[COUNT(socketcall_table)];
    static int32_t ipc_numbers[COUNT(ipc_table)];
    out->nr = -1;
    out->name = NULL;
    memset(out->args, 0, sizeof(out->args));
    if (nr < 0 || nr >= SYSCALL_I386_TABLE_SIZE || !i386_table[nr].name)
        return false;
    const struct i386_syscall *s = &i386_table[nr];
    uint64_t in[6];
    /* The kernel uses the low halves only, whatever the upper ones hold. */
    for (int i = 0; i < 6; i++)
        in[i] = (uint32_t)raw[i];
    out->name = s->name;
    switch (s->how) {
    case I386_SOCKETCALL: {
        uint64_t call = in[0];
        if (call >= COUNT(socketcall_table) || !socketcall_table[call].name)
            return false;
        const struct i386_syscall *sub = &socketcall_table[call];
        uint64_t words[6] = {0};
        if (sub->how == I386_MAP && !read_words(read, ctx, in[1], spec_words(sub->args), words))
            return false;
        return finish(sub, &socketcall_numbers[call], words, out);
    }
    case I386_IPC: {
        uint64_t call = in[0] & 0xffff, version = in[0] >> 16;
        if (call >= COUNT(ipc_table) || !ipc_table[call].name)
            return false;
        /* Version 0 of msgrcv passes a struct; version 1 of shmat is iBCS2's. */
        if ((call == IPC_MSGRCV && version == 0) || (call == IPC_SHMAT && version == 1))
            return false;
        return finish(&ipc_table[call], &ipc_numbers[call], in, out);
    }
    case I386_OLD_MMAP: {
        static const struct i386_syscall as_mmap = {"mmap", NULL, NULL, I386_MAP};
        static int32_t mmap_number;
        uint64_t words[6];
        if (!read_words(read, ctx, in[0], 6, words))
            return false;
        return finish(&as_mmap, &mmap_number, words, out);
    }
    default:
        return finish(s, &numbers[nr], in, out);
    }
}
