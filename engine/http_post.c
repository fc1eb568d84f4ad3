/* One HTTP POST for scripts that export (scripts/otel.lua): libcurl does the
 * protocol; what to send, when to retry and what to say about it is the
 * script's. */
#include <curl/curl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "event.h"

/* The start of the answer's body: a collector says there why it refused. */
struct answer {
    char *text;
    size_t len, cap;
};

static size_t keep_body(char *data, size_t size, size_t n, void *user)
{
    struct answer *a = user;
    size_t got = size * n;
    size_t room = a->cap - 1 - a->len;
    size_t take = got < room ? got : room;
    memcpy(a->text + a->len, data, take);
    a->len += take;
    a->text[a->len] = '\0';
    return got;
}

/* Retry-After, in seconds or as an HTTP date. */
static size_t keep_header(char *data, size_t size, size_t n, void *user)
{
    int32_t *retry_after = user;
    size_t len = size * n;
    static const char name[] = "retry-after:";
    if (len > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0) {
        char value[128];
        size_t vlen = len - (sizeof(name) - 1);
        if (vlen >= sizeof(value))
            vlen = sizeof(value) - 1;
        memcpy(value, data + sizeof(name) - 1, vlen);
        value[vlen] = '\0';
        char *p = value + strspn(value, " \t");
        p[strcspn(p, "\r\n")] = '\0';
        char *end;
        long secs = strtol(p, &end, 10);
        if (end != p && *end == '\0' && secs >= 0) {
            *retry_after = secs > INT32_MAX ? INT32_MAX : (int32_t)secs;
        } else {
            time_t when = curl_getdate(p, NULL);
            if (when != -1) {
                time_t now = time(NULL);
                *retry_after = when > now ? (int32_t)(when - now) : 0;
            }
        }
    }
    return len;
}

int32_t cmp_http_post(const char *url, const char *body, size_t len, const char *headers,
                      uint32_t timeout_ms, cmp_http_result *out)
{
    memset(out, 0, sizeof(*out));
    out->retry_after_s = -1;
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(out->error, sizeof(out->error), "cannot start the HTTP client");
        return 0;
    }
    struct curl_slist *list = NULL;
    /* One header a line; a line curl would not take as a header is skipped
     * rather than sent as garbage. */
    for (const char *h = headers ? headers : ""; *h;) {
        size_t n = strcspn(h, "\n");
        char *line = strndup(h, n);
        if (line && strchr(line, ':')) {
            struct curl_slist *more = curl_slist_append(list, line);
            if (more)
                list = more;
        }
        free(line);
        h += n;
        if (*h == '\n')
            h++;
    }
    /* curl would add "Expect: 100-continue" to a big body and wait a second
     * for a collector that does not answer it. */
    struct curl_slist *more = curl_slist_append(list, "Expect:");
    if (more)
        list = more;

    char buf[512];
    struct answer answer = {buf, 0, sizeof(buf)};
    buf[0] = '\0';
    curl_easy_setopt(curl, CURLOPT_URL, url);
    /* compendium's own signal handlers and timers stay its own: no SIGALRM
     * for DNS timeouts, no SIGPIPE on a closed connection. */
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "compendium/" COMPENDIUM_VERSION);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, keep_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &out->retry_after_s);
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);

    CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        out->status = (int32_t)status;
        snprintf(out->error, sizeof(out->error), "%s", buf);
    } else {
        snprintf(out->error, sizeof(out->error), "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    }
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    return out->status;
}

void cmp_http_wait_ms(uint32_t ms)
{
    /* A signal (Ctrl-C, a hook timeout's tick) ends the wait early, so the
     * interrupt reaches the hook that waits. */
    poll(NULL, 0, ms > INT32_MAX ? INT32_MAX : (int)ms);
}

uint64_t cmp_http_realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
