/*
 * A process that forks after C_Initialize, as servers with worker processes do: the parent opens a
 * connection and logs in, forks, and the child initialises the library again and works on its own
 * connection, while the parent's keeps working. Usage: fork_probe MODULE PIN CALLS. Exit 0 and "ok"
 * when every step returned what the standard says; otherwise the failing step on stderr.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef unsigned long CK_ULONG;
typedef CK_ULONG CK_RV;
typedef CK_RV (*init_fn)(void *);
typedef CK_RV (*finalize_fn)(void *);
typedef CK_RV (*token_info_fn)(CK_ULONG, void *);
typedef CK_RV (*open_session_fn)(CK_ULONG, CK_ULONG, void *, void *, CK_ULONG *);
typedef CK_RV (*login_fn)(CK_ULONG, CK_ULONG, const unsigned char *, CK_ULONG);
typedef CK_RV (*random_fn)(CK_ULONG, unsigned char *, CK_ULONG);

#define CKR_OK 0x0UL
#define CKR_CRYPTOKI_NOT_INITIALIZED 0x190UL
#define CKF_RW_SERIAL_SESSION 0x6UL
#define CKU_USER 1UL
#define SLOT 1UL

static init_fn initialize;
static finalize_fn finalize;
static token_info_fn token_info;
static open_session_fn open_session;
static login_fn login;
static random_fn random_bytes;

static int expect(const char *who, const char *step, CK_RV rv, CK_RV wanted)
{
    if (rv == wanted) return 1;
    fprintf(stderr, "%s: %s returned 0x%lx, expected 0x%lx\n", who, step, rv, wanted);
    return 0;
}

/* Logs in on a new session and draws random bytes CALLS times (enough allocation for a collection). */
static int work(const char *who, const char *pin, int calls, CK_ULONG *session)
{
    unsigned char info[4096], bytes[1024];
    if (!expect(who, "C_GetTokenInfo", token_info(SLOT, info), CKR_OK)) return 0;
    if (!expect(who, "C_OpenSession", open_session(SLOT, CKF_RW_SERIAL_SESSION, NULL, NULL, session), CKR_OK)) return 0;
    if (!expect(who, "C_Login", login(*session, CKU_USER, (const unsigned char *)pin, strlen(pin)), CKR_OK)) return 0;
    for (int i = 0; i < calls; i++) {
        if (!expect(who, "C_GenerateRandom", random_bytes(*session, bytes, sizeof bytes), CKR_OK)) return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: fork_probe MODULE PIN CALLS\n");
        return 2;
    }
    void *module = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!module) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 2;
    }
    initialize = (init_fn)dlsym(module, "C_Initialize");
    finalize = (finalize_fn)dlsym(module, "C_Finalize");
    token_info = (token_info_fn)dlsym(module, "C_GetTokenInfo");
    open_session = (open_session_fn)dlsym(module, "C_OpenSession");
    login = (login_fn)dlsym(module, "C_Login");
    random_bytes = (random_fn)dlsym(module, "C_GenerateRandom");
    const char *pin = argv[2];
    int calls = atoi(argv[3]);
    CK_ULONG session = 0;
    unsigned char bytes[32];

    if (!expect("parent", "C_Initialize", initialize(NULL), CKR_OK)) return 1;
    if (!work("parent", pin, calls, &session)) return 1;

    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        return 2;
    }
    if (child == 0) {
        alarm(120); /* a hang in the child ends as a failure, not as a stuck test */
        CK_ULONG own = 0;
        unsigned char info[4096];
        int ok = expect("child", "C_GetTokenInfo before C_Initialize", token_info(SLOT, info), CKR_CRYPTOKI_NOT_INITIALIZED)
            && expect("child", "C_Initialize", initialize(NULL), CKR_OK)
            && work("child", pin, calls, &own)
            && expect("child", "C_Finalize", finalize(NULL), CKR_OK);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    if (waitpid(child, &status, 0) != child) {
        perror("waitpid");
        return 2;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "child failed (status 0x%x)\n", status);
        return 1;
    }
    /* The parent's connection and login were not disturbed by the child. */
    if (!expect("parent", "C_GenerateRandom after the child", random_bytes(session, bytes, sizeof bytes), CKR_OK)) return 1;
    if (!expect("parent", "C_Finalize", finalize(NULL), CKR_OK)) return 1;
    puts("ok");
    return 0;
}
