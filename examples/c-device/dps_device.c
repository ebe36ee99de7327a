/*
 * dps_device.c - a small example device that provisions itself through the Azure IoT Hub
 * Device Provisioning Service (DPS) over MQTT 3.1.1 + TLS, the way the MXChip AZ3166 DevKit
 * firmware (github.com/microsoft/devkit-sdk, AZ3166/src/libraries/AzureIoT/examples/DPS) and the
 * Azure IoT C SDK (github.com/Azure/azure-iot-sdk-c, provisioning_client/) do it.
 *
 * Public sources for the protocol (all on learn.microsoft.com/azure/iot-dps/ unless noted):
 *   [MQTT]    "Communicate with DPS using the MQTT protocol" (iot-dps-mqtt-support): client id,
 *             user name, SAS password, topics, $rid, retry-after, QoS 1 subscription.
 *   [SAS]     "Control access to Azure IoT Hub Device Provisioning Service" (how-to-control-access)
 *             and "How to provision devices using symmetric key enrollment groups"
 *             (how-to-legacy-device-symm-key): token format, string-to-sign, derived device keys.
 *   [X509]    "X.509 certificate attestation" (concepts-x509-attestation): the leaf's CN is the
 *             registration ID; the device presents its chain in the TLS handshake.
 *   [LIMITS]  "Quotas and limits" (about-iot-dps#quotas-and-limits): 5 polls per 10 s per device.
 *   [RETRY]   "Troubleshoot DPS" (how-to-troubleshoot-dps) and "Best practices for large-scale
 *             deployments" (concepts-deploy-at-scale): honour retry-after, otherwise exponential
 *             back-off with jitter.
 *   [MQTT311] OASIS MQTT Version 3.1.1 (docs.oasis-open.org/mqtt/mqtt/v3.1.1/).
 *   [RFC8259] The JSON grammar; [RFC3986] percent-encoding (unreserved characters).
 *
 * Inputs come from the environment (what `dpsconform run --device-command` sets) and flags that
 * override them; see usage() and README.md. The result is one JSON line on stdout.
 * Exit codes: 0 assigned, 1 any other outcome, 2 bad input, 3 no connection could be made.
 *
 * Neither the key nor the SAS token is ever printed.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

/* ---------------------------------------------------------------------------------------- */
/* Constants                                                                                */
/* ---------------------------------------------------------------------------------------- */

enum { EXIT_ASSIGNED = 0, EXIT_NOT_ASSIGNED = 1, EXIT_BAD_INPUT = 2, EXIT_NO_CONNECTION = 3 };

#define PROGRAM "dps-device"
/* The device API version every device SDK and the MQTT page use [MQTT]. */
#define API_VERSION "2019-03-31"
#define DEFAULT_MQTT_PORT 8883              /* [MQTT]: MQTT over TLS on 8883 */
#define DEFAULT_DEADLINE_SECONDS 60
#define MAX_DEADLINE_SECONDS 86400
#define KEEPALIVE_SECONDS 60
#define SAS_TTL_SECONDS 3600                /* the Python SDK's default token lifetime */
#define SAS_RENEW_MARGIN_SECONDS 120        /* reconnect with a fresh token this long before expiry */
#define REQUEST_TIMEOUT_MS 30000            /* per-request wait, as the Python and Node SDKs */
#define DEFAULT_POLL_WAIT_MS 3000           /* 202 without retry-after: 3 s, the value DPS sends */
#define MINIMUM_WAIT_MS 2000                /* never faster than 5 requests per 10 s [LIMITS] */
#define BACKOFF_MIN_MS 1000                 /* exponential back-off for 429/5xx without retry-after */
#define BACKOFF_MAX_MS 100000
#define BACKOFF_JITTER_MS 5000
#define DISCONNECT_WAIT_MS 1000

#define MAX_REGISTRATION_ID 512             /* DPS allows 128; longer ones are sent, the service refuses */
#define MAX_ID_SCOPE 128
#define MAX_HOST 255
#define MAX_PATH_LEN 4096
#define MAX_KEY_BYTES 256                   /* decoded key; DPS keys are 32 or 64 bytes */
#define MAX_BODY 131072                     /* > the 96 KB DPS message limit */
#define MAX_FIELD 512                       /* operationId, assignedHub, deviceId, status */
#define MAX_MESSAGE 512
#define MAX_JSON_DEPTH 64

#define SUBSCRIBE_TOPIC "$dps/registrations/res/#"
#define RESPONSE_PREFIX "$dps/registrations/res/"

/* ---------------------------------------------------------------------------------------- */
/* Small helpers                                                                            */
/* ---------------------------------------------------------------------------------------- */

static bool verbose = false;

static void logf_(const char *fmt, ...)
{
    if (!verbose) return;
    va_list ap;
    va_start(ap, fmt);
    fputs(PROGRAM ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
    if (ms <= 0) return;
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

/* Copies src into dst (capacity cap); false when it does not fit. */
static bool copy_text(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) return false;
    memcpy(dst, src, n + 1);
    return true;
}

/* Strict decimal integer in [lo, hi]. */
static bool parse_int(const char *text, long lo, long hi, long *out)
{
    if (!text || !*text || strlen(text) > 12) return false;
    long v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        v = v * 10 + (*p - '0');
    }
    if (v < lo || v > hi) return false;
    *out = v;
    return true;
}

/* ---------------------------------------------------------------------------------------- */
/* Base64 (RFC 4648, standard alphabet, padded) and percent-encoding (RFC 3986)             */
/* ---------------------------------------------------------------------------------------- */

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Strict decoder: length a multiple of 4, padding only at the end. */
static bool b64_decode(const char *in, unsigned char *out, size_t cap, size_t *out_len)
{
    size_t len = strlen(in), n = 0;
    if (len == 0 || len % 4 != 0) return false;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            unsigned char c = (unsigned char)in[i + j];
            if (c == '=') {
                if (i + 4 != len || j < 2) return false;
                v[j] = 0;
                pad++;
            } else {
                if (pad) return false;
                v[j] = b64_value(c);
                if (v[j] < 0) return false;
            }
        }
        uint32_t triple = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) | ((uint32_t)v[2] << 6) | (uint32_t)v[3];
        unsigned char bytes[3] = { (unsigned char)(triple >> 16), (unsigned char)(triple >> 8), (unsigned char)triple };
        for (int j = 0; j < 3 - pad; j++) {
            if (n >= cap) return false;
            out[n++] = bytes[j];
        }
    }
    *out_len = n;
    return true;
}

static void b64_encode(const unsigned char *in, size_t len, char *out /* >= 4*ceil(len/3)+1 */)
{
    EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

/* Percent-encodes everything but the unreserved characters A-Z a-z 0-9 - . _ ~ (RFC 3986
 * section 2.3), upper-case hex. False when it does not fit. */
static bool pct_encode(const char *in, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        bool unreserved = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                          *p == '-' || *p == '.' || *p == '_' || *p == '~';
        if (unreserved) {
            if (n + 1 >= cap) return false;
            out[n++] = (char)*p;
        } else {
            if (n + 3 >= cap) return false;
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n] = '\0';
    return true;
}

/* ---------------------------------------------------------------------------------------- */
/* JSON output: one object, strings escaped, invalid UTF-8 replaced by U+FFFD               */
/* ---------------------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when invalid. */
static size_t utf8_sequence(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
    else return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0; /* also stops at the terminating NUL */
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

static void put_json_string(FILE *f, const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    fputc('"', f);
    while (*s) {
        unsigned char c = *s;
        if (c == '"' || c == '\\') { fputc('\\', f); fputc(c, f); s++; continue; }
        if (c == '\n') { fputs("\\n", f); s++; continue; }
        if (c == '\r') { fputs("\\r", f); s++; continue; }
        if (c == '\t') { fputs("\\t", f); s++; continue; }
        if (c < 0x20) { fprintf(f, "\\u%04x", c); s++; continue; }
        size_t len = utf8_sequence(s);
        if (len == 0) { fputs("\\ufffd", f); s++; continue; }
        fwrite(s, 1, len, f);
        s += len;
    }
    fputc('"', f);
}

/* ---------------------------------------------------------------------------------------- */
/* JSON input: a small bounded reader for the RegistrationOperationStatus and               */
/* ProvisioningServiceErrorDetails bodies [MQTT]. Unknown fields are skipped (but checked). */
/* ---------------------------------------------------------------------------------------- */

typedef struct {
    const unsigned char *p, *end;
    int depth;
} json_reader;

typedef struct {
    char text[MAX_FIELD];
    bool present;
    bool too_long;
} json_text_field;

typedef struct {
    json_text_field operation_id, status, message;
    bool has_error_code;
    long long error_code;
    /* registrationState */
    json_text_field assigned_hub, device_id, state_status, error_message, substatus;
    bool has_state_error_code;
    long long state_error_code;
} dps_body;

static void json_ws(json_reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}

static bool json_hex4(json_reader *r, uint32_t *cp)
{
    if (r->end - r->p < 4) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = *r->p++;
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return false;
    }
    *cp = v;
    return true;
}

static size_t utf8_encode(uint32_t cp, unsigned char *out)
{
    if (cp < 0x80) { out[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) { out[0] = (unsigned char)(0xC0 | (cp >> 6)); out[1] = (unsigned char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12)); out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18)); out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Reads a string; stores at most cap-1 bytes of it in out (when out is not NULL) and sets
 * *too_long when it did not fit. U+0000 and lone surrogates become U+FFFD. */
static bool json_string(json_reader *r, char *out, size_t cap, bool *too_long)
{
    size_t n = 0;
    bool over = false;
    if (r->p >= r->end || *r->p != '"') return false;
    r->p++;
    while (r->p < r->end) {
        unsigned char c = *r->p++;
        unsigned char buf[4];
        size_t blen = 1;
        if (c == '"') {
            if (out) out[n] = '\0';
            if (too_long) *too_long = over;
            return true;
        }
        if (c < 0x20) return false;
        if (c != '\\') {
            buf[0] = c;
        } else {
            if (r->p >= r->end) return false;
            unsigned char e = *r->p++;
            switch (e) {
            case '"': case '\\': case '/': buf[0] = e; break;
            case 'b': buf[0] = '\b'; break;
            case 'f': buf[0] = '\f'; break;
            case 'n': buf[0] = '\n'; break;
            case 'r': buf[0] = '\r'; break;
            case 't': buf[0] = '\t'; break;
            case 'u': {
                uint32_t cp;
                if (!json_hex4(r, &cp)) return false;
                if (cp >= 0xD800 && cp <= 0xDBFF && r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u') {
                    const unsigned char *save = r->p;
                    uint32_t low;
                    r->p += 2;
                    if (!json_hex4(r, &low)) return false;
                    if (low >= 0xDC00 && low <= 0xDFFF) cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    else { r->p = save; cp = 0xFFFD; }
                } else if (cp >= 0xD800 && cp <= 0xDFFF) {
                    cp = 0xFFFD;
                }
                if (cp == 0) cp = 0xFFFD;
                blen = utf8_encode(cp, buf);
                break;
            }
            default: return false;
            }
        }
        if (out) {
            if (!over && n + blen < cap) { memcpy(out + n, buf, blen); n += blen; }
            else over = true;
        }
    }
    return false;
}

/* A number per RFC 8259; *is_int when it is an integer that fits in 18 digits. */
static bool json_number(json_reader *r, long long *value, bool *is_int)
{
    bool neg = false, integral = true;
    long long v = 0;
    int digits = 0;
    if (r->p < r->end && *r->p == '-') { neg = true; r->p++; }
    if (r->p >= r->end) return false;
    if (*r->p == '0') { r->p++; digits = 1; }
    else if (*r->p >= '1' && *r->p <= '9') {
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
            if (digits < 18) v = v * 10 + (*r->p - '0');
            else integral = false;
            digits++;
            r->p++;
        }
    } else return false;
    if (r->p < r->end && *r->p == '.') {
        integral = false;
        r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9') return false;
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        integral = false;
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-')) r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9') return false;
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
    }
    *value = neg ? -v : v;
    *is_int = integral;
    return true;
}

static bool json_literal(json_reader *r, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) return false;
    r->p += n;
    return true;
}

typedef bool (*json_member_fn)(void *ctx, const char *key, json_reader *r);

static bool json_skip_value(json_reader *r);

/* Walks an object, handing each member's value to fn (which must consume it). */
static bool json_object(json_reader *r, json_member_fn fn, void *ctx)
{
    if (r->p >= r->end || *r->p != '{') return false;
    if (++r->depth > MAX_JSON_DEPTH) return false;
    r->p++;
    json_ws(r);
    if (r->p < r->end && *r->p == '}') { r->p++; r->depth--; return true; }
    for (;;) {
        char key[64];
        bool key_too_long = false;
        json_ws(r);
        if (!json_string(r, key, sizeof key, &key_too_long)) return false;
        if (key_too_long) key[0] = '\0'; /* matches no known member */
        json_ws(r);
        if (r->p >= r->end || *r->p != ':') return false;
        r->p++;
        json_ws(r);
        if (!(fn ? fn(ctx, key, r) : json_skip_value(r))) return false;
        json_ws(r);
        if (r->p >= r->end) return false;
        if (*r->p == ',') { r->p++; continue; }
        if (*r->p == '}') { r->p++; r->depth--; return true; }
        return false;
    }
}

static bool json_array(json_reader *r)
{
    if (++r->depth > MAX_JSON_DEPTH) return false;
    r->p++; /* '[' */
    json_ws(r);
    if (r->p < r->end && *r->p == ']') { r->p++; r->depth--; return true; }
    for (;;) {
        json_ws(r);
        if (!json_skip_value(r)) return false;
        json_ws(r);
        if (r->p >= r->end) return false;
        if (*r->p == ',') { r->p++; continue; }
        if (*r->p == ']') { r->p++; r->depth--; return true; }
        return false;
    }
}

static bool json_skip_value(json_reader *r)
{
    if (r->p >= r->end) return false;
    long long ignored;
    bool is_int;
    switch (*r->p) {
    case '{': return json_object(r, NULL, NULL);
    case '[': return json_array(r);
    case '"': return json_string(r, NULL, 0, NULL);
    case 't': return json_literal(r, "true");
    case 'f': return json_literal(r, "false");
    case 'n': return json_literal(r, "null");
    default: return json_number(r, &ignored, &is_int);
    }
}

/* A string member: stored when it is a string, otherwise skipped and left absent. */
static bool json_text_member(json_reader *r, json_text_field *field)
{
    if (r->p < r->end && *r->p == '"') {
        if (!json_string(r, field->text, sizeof field->text, &field->too_long)) return false;
        field->present = true;
        return true;
    }
    field->present = false;
    return json_skip_value(r);
}

/* An integer member: stored when it is an integer, otherwise skipped and left absent. */
static bool json_int_member(json_reader *r, bool *present, long long *value)
{
    if (r->p < r->end && (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))) {
        bool is_int;
        if (!json_number(r, value, &is_int)) return false;
        *present = is_int;
        return true;
    }
    *present = false;
    return json_skip_value(r);
}

static bool state_member(void *ctx, const char *key, json_reader *r)
{
    dps_body *b = ctx;
    if (strcmp(key, "assignedHub") == 0) return json_text_member(r, &b->assigned_hub);
    if (strcmp(key, "deviceId") == 0) return json_text_member(r, &b->device_id);
    if (strcmp(key, "status") == 0) return json_text_member(r, &b->state_status);
    if (strcmp(key, "substatus") == 0) return json_text_member(r, &b->substatus);
    if (strcmp(key, "errorMessage") == 0) return json_text_member(r, &b->error_message);
    if (strcmp(key, "errorCode") == 0) return json_int_member(r, &b->has_state_error_code, &b->state_error_code);
    return json_skip_value(r);
}

static bool top_member(void *ctx, const char *key, json_reader *r)
{
    dps_body *b = ctx;
    if (strcmp(key, "operationId") == 0) return json_text_member(r, &b->operation_id);
    if (strcmp(key, "status") == 0) return json_text_member(r, &b->status);
    if (strcmp(key, "message") == 0) return json_text_member(r, &b->message);
    if (strcmp(key, "errorCode") == 0) return json_int_member(r, &b->has_error_code, &b->error_code);
    if (strcmp(key, "registrationState") == 0) {
        if (r->p < r->end && *r->p == '{') return json_object(r, state_member, b);
        return json_skip_value(r);
    }
    return json_skip_value(r);
}

/* Parses a DPS response body; false when it is not a single JSON object. */
static bool parse_dps_body(const unsigned char *body, size_t len, dps_body *out)
{
    memset(out, 0, sizeof *out);
    json_reader r = { body, body + len, 0 };
    json_ws(&r);
    if (!json_object(&r, top_member, out)) return false;
    json_ws(&r);
    return r.p == r.end;
}

/* ---------------------------------------------------------------------------------------- */
/* Outcome                                                                                  */
/* ---------------------------------------------------------------------------------------- */

typedef struct {
    const char *status; /* assigned, failed, disabled, error, timedOut, connectionFailed */
    char assigned_hub[MAX_FIELD];
    char device_id[MAX_FIELD];
    char operation_id[MAX_FIELD];
    bool has_error_code;
    long long error_code;
    char message[MAX_MESSAGE];
} outcome;

static void set_message(outcome *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->message, sizeof o->message, fmt, ap);
    va_end(ap);
}

static int print_outcome(const outcome *o)
{
    FILE *f = stdout;
    fputs("{\"status\":", f);
    put_json_string(f, o->status);
    if (o->assigned_hub[0]) { fputs(",\"assignedHub\":", f); put_json_string(f, o->assigned_hub); }
    if (o->device_id[0]) { fputs(",\"deviceId\":", f); put_json_string(f, o->device_id); }
    if (o->operation_id[0]) { fputs(",\"operationId\":", f); put_json_string(f, o->operation_id); }
    if (o->has_error_code) fprintf(f, ",\"errorCode\":%lld", o->error_code);
    if (o->message[0]) { fputs(",\"message\":", f); put_json_string(f, o->message); }
    fputs("}\n", f);
    fflush(f);
    if (strcmp(o->status, "assigned") == 0) return EXIT_ASSIGNED;
    if (strcmp(o->status, "connectionFailed") == 0) return EXIT_NO_CONNECTION;
    return EXIT_NOT_ASSIGNED;
}

/* A watchdog in case a blocking call (DNS, TCP connect) outlives the deadline: one line,
 * async-signal-safe. */
static void watchdog(int sig)
{
    (void)sig;
    static const char line[] = "{\"status\":\"timedOut\",\"message\":\"the overall deadline passed during a blocking call\"}\n";
    ssize_t ignored = write(STDOUT_FILENO, line, sizeof line - 1);
    (void)ignored;
    _exit(EXIT_NOT_ASSIGNED);
}

/* ---------------------------------------------------------------------------------------- */
/* Configuration                                                                            */
/* ---------------------------------------------------------------------------------------- */

typedef enum { CRED_SYMMETRIC, CRED_GROUP, CRED_X509 } credential_kind;

typedef struct {
    char host[MAX_HOST + 1];
    int port;
    char id_scope[MAX_ID_SCOPE + 1];
    char registration_id[MAX_REGISTRATION_ID + 1];
    char ca_file[MAX_PATH_LEN];
    credential_kind credential;
    unsigned char key[MAX_KEY_BYTES]; /* the device key (derived from the group key for CRED_GROUP) */
    size_t key_len;
    char chain_file[MAX_PATH_LEN];
    char key_file[MAX_PATH_LEN];
    int deadline_seconds;
} config;

/* One input: its value and where it came from (variable or flag), for messages. */
typedef struct {
    const char *value;
    const char *origin;
} input;

static void usage(FILE *f)
{
    fputs("Usage: " PROGRAM " [options]\n"
          "Provisions one device through Azure IoT Hub DPS over MQTT/TLS and prints the result as one JSON line.\n"
          "Every option has an environment variable; an option overrides its variable.\n"
          "  --host HOST              DPS_HOST              DPS host name (required)\n"
          "  --port PORT              DPS_MQTT_PORT         MQTT-over-TLS port (default 8883)\n"
          "  --id-scope SCOPE         DPS_ID_SCOPE          ID scope (required)\n"
          "  --registration-id ID     DPS_REGISTRATION_ID   registration ID (X.509: default the certificate's CN)\n"
          "  --ca FILE                DPS_CA_FILE           CA (PEM) for the server certificate (default: system store)\n"
          "Exactly one credential:\n"
          "  --symmetric-key B64      DPS_SYMMETRIC_KEY     individual enrollment key\n"
          "  --group-key B64          DPS_GROUP_KEY         enrollment group key (the device key is derived)\n"
          "  --cert FILE --key FILE   DPS_CHAIN_FILE, DPS_KEY_FILE   X.509: PEM chain (leaf first) and its key\n"
          "  --timeout SECONDS        DPS_DEADLINE_SECONDS  overall deadline (default 60)\n"
          "  --verbose                progress on stderr (never keys or tokens)\n"
          "Exit codes: 0 assigned, 1 any other outcome, 2 bad input, 3 no connection could be made.\n",
          f);
}

static void bad_input(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(PROGRAM ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(EXIT_BAD_INPUT);
}

static input from_env(const char *name)
{
    const char *v = getenv(name);
    input in = { (v && *v) ? v : NULL, name };
    return in;
}

static void require_readable(const input *in)
{
    FILE *f = fopen(in->value, "r");
    if (!f) bad_input("%s: cannot read '%s': %s", in->origin, in->value, strerror(errno));
    fclose(f);
}

static void copy_input(char *dst, size_t cap, const input *in)
{
    if (!copy_text(dst, cap, in->value)) bad_input("%s: value too long (at most %zu characters)", in->origin, cap - 1);
}

/* The leaf's subject CN, the registration ID of an X.509 device [X509]. */
static bool certificate_common_name(const char *chain_file, char *out, size_t cap)
{
    FILE *f = fopen(chain_file, "r");
    if (!f) return false;
    X509 *leaf = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (!leaf) return false;
    int n = X509_NAME_get_text_by_NID(X509_get_subject_name(leaf), NID_commonName, out, (int)cap);
    X509_free(leaf);
    return n > 0 && (size_t)n < cap;
}

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf; (void)size; (void)rwflag; (void)u;
    return 0; /* never prompt; encrypted keys are not supported */
}

static void check_x509_pair(const input *chain, const input *key)
{
    FILE *f = fopen(chain->value, "r");
    X509 *leaf = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    if (!leaf) bad_input("%s: '%s' holds no PEM certificate", chain->origin, chain->value);
    f = fopen(key->value, "r");
    EVP_PKEY *pkey = f ? PEM_read_PrivateKey(f, NULL, no_passphrase, NULL) : NULL;
    if (f) fclose(f);
    if (!pkey) { X509_free(leaf); bad_input("%s: '%s' holds no unencrypted PEM private key", key->origin, key->value); }
    int match = X509_check_private_key(leaf, pkey);
    EVP_PKEY_free(pkey);
    X509_free(leaf);
    if (match != 1) bad_input("%s: the key does not belong to the first certificate of %s", key->origin, chain->origin);
}

/* Every input, from its variable or the flag that overrides it. */
typedef struct {
    input host, port, scope, reg, ca, deadline;
    input sym, group, chain, key;
} inputs;

static void read_inputs(int argc, char **argv, inputs *in)
{
    in->host = from_env("DPS_HOST"); in->port = from_env("DPS_MQTT_PORT"); in->scope = from_env("DPS_ID_SCOPE");
    in->reg = from_env("DPS_REGISTRATION_ID"); in->ca = from_env("DPS_CA_FILE"); in->deadline = from_env("DPS_DEADLINE_SECONDS");
    in->sym = from_env("DPS_SYMMETRIC_KEY"); in->group = from_env("DPS_GROUP_KEY");
    in->chain = from_env("DPS_CHAIN_FILE"); in->key = from_env("DPS_KEY_FILE");
    /* For a group member dpsconform sets DPS_GROUP_KEY and, for devices that cannot derive,
     * DPS_SYMMETRIC_KEY to the derived key: this device derives its own from the group key. */
    if (in->group.value && in->sym.value) in->sym.value = NULL;
    input fsym = { NULL, "--symmetric-key" }, fgroup = { NULL, "--group-key" }, fchain = { NULL, "--cert" }, fkey = { NULL, "--key" };
    struct { const char *flag; input *target; } flags[] = {
        { "--host", &in->host }, { "--port", &in->port }, { "--id-scope", &in->scope }, { "--registration-id", &in->reg },
        { "--ca", &in->ca }, { "--timeout", &in->deadline }, { "--symmetric-key", &fsym }, { "--group-key", &fgroup },
        { "--cert", &fchain }, { "--key", &fkey },
    };
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) { usage(stdout); exit(0); }
        if (strcmp(arg, "--verbose") == 0 || strcmp(arg, "-v") == 0) { verbose = true; continue; }
        bool known = false;
        for (size_t j = 0; j < sizeof flags / sizeof flags[0] && !known; j++) {
            size_t n = strlen(flags[j].flag);
            if (strncmp(arg, flags[j].flag, n) != 0 || (arg[n] != '\0' && arg[n] != '=')) continue;
            const char *value = arg[n] == '=' ? arg + n + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!value || !*value) bad_input("%s needs a value", flags[j].flag);
            flags[j].target->value = value;
            flags[j].target->origin = flags[j].flag;
            known = true;
        }
        if (!known) { fprintf(stderr, PROGRAM ": unknown argument '%s'\n", arg); usage(stderr); exit(EXIT_BAD_INPUT); }
    }
    /* A credential given by flags replaces every credential variable. */
    if (fsym.value || fgroup.value || fchain.value || fkey.value) { in->sym = fsym; in->group = fgroup; in->chain = fchain; in->key = fkey; }
}

/* Exactly one credential: an individual key, a group key, or a certificate chain with its key. */
static void load_credential(const inputs *in, config *cfg)
{
    int kinds = (in->sym.value != NULL) + (in->group.value != NULL) + (in->chain.value != NULL || in->key.value != NULL);
    if (kinds == 0)
        bad_input("no credential: set DPS_SYMMETRIC_KEY, DPS_GROUP_KEY, or DPS_CHAIN_FILE with DPS_KEY_FILE "
                  "(or --symmetric-key, --group-key, --cert with --key)");
    if (kinds > 1)
        bad_input("more than one credential: give exactly one of %s, %s, %s/%s", in->sym.origin, in->group.origin,
                  in->chain.origin, in->key.origin);
    if (in->chain.value || in->key.value) {
        if (!in->chain.value) bad_input("%s is given without %s", in->key.origin, in->chain.origin);
        if (!in->key.value) bad_input("%s is given without %s", in->chain.origin, in->key.origin);
        require_readable(&in->chain);
        require_readable(&in->key);
        check_x509_pair(&in->chain, &in->key);
        cfg->credential = CRED_X509;
        copy_input(cfg->chain_file, sizeof cfg->chain_file, &in->chain);
        copy_input(cfg->key_file, sizeof cfg->key_file, &in->key);
        return;
    }
    const input *k = in->sym.value ? &in->sym : &in->group;
    /* The value itself is never echoed. */
    if (!b64_decode(k->value, cfg->key, sizeof cfg->key, &cfg->key_len) || cfg->key_len == 0) {
        OPENSSL_cleanse(cfg->key, sizeof cfg->key);
        bad_input("%s: not a base64 key (standard alphabet, padded, at most %d bytes)", k->origin, MAX_KEY_BYTES);
    }
    cfg->credential = in->sym.value ? CRED_SYMMETRIC : CRED_GROUP;
}

/* Device key = HMAC-SHA256(group key, registration ID); its base64 form is the device's
 * symmetric key [SAS how-to-legacy-device-symm-key]. The signing key is the raw MAC. */
static void derive_device_key(config *cfg)
{
    unsigned char derived[EVP_MAX_MD_SIZE];
    unsigned int derived_len = 0;
    if (!HMAC(EVP_sha256(), cfg->key, (int)cfg->key_len, (const unsigned char *)cfg->registration_id,
              strlen(cfg->registration_id), derived, &derived_len))
        bad_input("could not derive the device key");
    OPENSSL_cleanse(cfg->key, sizeof cfg->key);
    memcpy(cfg->key, derived, derived_len);
    cfg->key_len = derived_len;
    OPENSSL_cleanse(derived, sizeof derived);
}

static void load_config(int argc, char **argv, config *cfg)
{
    inputs in;
    read_inputs(argc, argv, &in);
    memset(cfg, 0, sizeof *cfg);
    if (!in.host.value) bad_input("DPS_HOST (or --host) is required");
    copy_input(cfg->host, sizeof cfg->host, &in.host);
    cfg->port = DEFAULT_MQTT_PORT;
    long v;
    if (in.port.value) {
        if (!parse_int(in.port.value, 1, 65535, &v)) bad_input("%s: '%s' is not a port number (1-65535)", in.port.origin, in.port.value);
        cfg->port = (int)v;
    }
    if (!in.scope.value) bad_input("DPS_ID_SCOPE (or --id-scope) is required");
    copy_input(cfg->id_scope, sizeof cfg->id_scope, &in.scope);
    cfg->deadline_seconds = DEFAULT_DEADLINE_SECONDS;
    if (in.deadline.value) {
        if (!parse_int(in.deadline.value, 1, MAX_DEADLINE_SECONDS, &v))
            bad_input("%s: '%s' is not a whole number of seconds (1-%d)", in.deadline.origin, in.deadline.value, MAX_DEADLINE_SECONDS);
        cfg->deadline_seconds = (int)v;
    }
    if (in.ca.value) { require_readable(&in.ca); copy_input(cfg->ca_file, sizeof cfg->ca_file, &in.ca); }
    load_credential(&in, cfg);
    if (in.reg.value) {
        copy_input(cfg->registration_id, sizeof cfg->registration_id, &in.reg);
    } else if (cfg->credential == CRED_X509) {
        /* An X.509 device's registration ID is its certificate's CN [X509]. */
        if (!certificate_common_name(cfg->chain_file, cfg->registration_id, sizeof cfg->registration_id))
            bad_input("DPS_REGISTRATION_ID (or --registration-id) is required: the certificate in %s has no usable CN", in.chain.origin);
    } else {
        bad_input("DPS_REGISTRATION_ID (or --registration-id) is required");
    }
    if (cfg->credential == CRED_GROUP) derive_device_key(cfg);
}

/* ---------------------------------------------------------------------------------------- */
/* SAS token [SAS], [MQTT]                                                                  */
/* ---------------------------------------------------------------------------------------- */

/* SharedAccessSignature sr={URL-encoded resource}&sig={URL-encoded signature}&se={expiry}&skn=registration
 * resource = {idScope}/registrations/{registrationId}; the string signed is the URL-encoded sr as
 * it appears in the token, a newline, and se; signature = base64(HMAC-SHA256(key, that)). */
static bool make_sas_token(const config *cfg, long long expiry, char *out, size_t cap)
{
    char resource[MAX_ID_SCOPE + MAX_REGISTRATION_ID + 32];
    char sr[3 * sizeof resource];
    char to_sign[sizeof sr + 32];
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    char sig[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    char sig_encoded[3 * sizeof sig];
    bool ok = false;

    int n = snprintf(resource, sizeof resource, "%s/registrations/%s", cfg->id_scope, cfg->registration_id);
    if (n < 0 || (size_t)n >= sizeof resource || !pct_encode(resource, sr, sizeof sr)) return false;
    n = snprintf(to_sign, sizeof to_sign, "%s\n%lld", sr, expiry);
    if (n < 0 || (size_t)n >= sizeof to_sign) return false;
    if (HMAC(EVP_sha256(), cfg->key, (int)cfg->key_len, (const unsigned char *)to_sign, (size_t)n, mac, &mac_len)) {
        b64_encode(mac, mac_len, sig);
        if (pct_encode(sig, sig_encoded, sizeof sig_encoded)) {
            n = snprintf(out, cap, "SharedAccessSignature sr=%s&sig=%s&se=%lld&skn=registration", sr, sig_encoded, expiry);
            ok = n > 0 && (size_t)n < cap;
        }
    }
    OPENSSL_cleanse(mac, sizeof mac);
    OPENSSL_cleanse(sig, sizeof sig);
    OPENSSL_cleanse(sig_encoded, sizeof sig_encoded);
    return ok;
}

/* ---------------------------------------------------------------------------------------- */
/* MQTT session (libmosquitto, non-threaded; we drive mosquitto_loop ourselves)            */
/* ---------------------------------------------------------------------------------------- */

typedef struct {
    int status;
    char retry_after[32];
    bool has_retry_after;
    unsigned char body[MAX_BODY + 1];
    size_t body_len;
    bool oversized;
} response;

typedef struct {
    struct mosquitto *mosq;
    bool connack_seen;
    int connack_rc;
    int subscribe_mid;
    bool suback_seen;
    int granted_qos;
    bool lost;
    char expected_rid[32];
    bool response_ready;
    response resp;
    char last_error[256];
    long long token_expiry; /* 0 for X.509 */
} session;

static session sess; /* one connection at a time; static for the 128 KiB body buffer */

static void on_connect(struct mosquitto *m, void *obj, int rc)
{
    (void)m;
    session *s = obj;
    s->connack_seen = true;
    s->connack_rc = rc;
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int count, const int *granted)
{
    (void)m;
    session *s = obj;
    if (mid != s->subscribe_mid) return;
    s->suback_seen = true;
    s->granted_qos = count > 0 ? granted[0] : 0x80;
}

static void on_disconnect(struct mosquitto *m, void *obj, int rc)
{
    (void)m; (void)rc;
    session *s = obj;
    s->lost = true;
}

static void on_log(struct mosquitto *m, void *obj, int level, const char *text)
{
    (void)m;
    session *s = obj;
    if ((level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING)) && !copy_text(s->last_error, sizeof s->last_error, text)) {
        memcpy(s->last_error, text, sizeof s->last_error - 1); /* keep the start of a long message */
        s->last_error[sizeof s->last_error - 1] = '\0';
    }
    logf_("mqtt: %s", text);
}

/* $dps/registrations/res/{status}/?$rid={rid}&retry-after={seconds} [MQTT]. Properties are
 * read in any order. Returns false when the topic is not a response to the current request. */
static bool parse_response_topic(const char *topic, const char *expected_rid, int *status, char *retry_after, size_t cap,
                                 bool *has_retry_after)
{
    size_t prefix = strlen(RESPONSE_PREFIX);
    if (strncmp(topic, RESPONSE_PREFIX, prefix) != 0) return false;
    const char *p = topic + prefix;
    int code = 0, digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 3) { code = code * 10 + (*p - '0'); p++; digits++; }
    if (digits != 3 || p[0] != '/' || p[1] != '?') return false;
    p += 2;
    bool rid_matches = false;
    *has_retry_after = false;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (eq) {
            size_t klen = (size_t)(eq - p), vlen = len - klen - 1;
            if (klen == 4 && memcmp(p, "$rid", 4) == 0)
                rid_matches = vlen == strlen(expected_rid) && memcmp(eq + 1, expected_rid, vlen) == 0;
            else if (klen == 11 && memcmp(p, "retry-after", 11) == 0 && vlen < cap) {
                memcpy(retry_after, eq + 1, vlen);
                retry_after[vlen] = '\0';
                *has_retry_after = true;
            }
        }
        p += len;
        if (*p == '&') p++;
    }
    *status = code;
    return rid_matches;
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
    (void)m;
    session *s = obj;
    if (s->response_ready || !s->expected_rid[0] || !msg->topic) return;
    int status;
    bool has_retry_after;
    char retry_after[sizeof s->resp.retry_after];
    if (!parse_response_topic(msg->topic, s->expected_rid, &status, retry_after, sizeof retry_after, &has_retry_after)) {
        logf_("ignored a message on '%s' (not the answer to $rid=%s)", msg->topic, s->expected_rid);
        return;
    }
    response *r = &s->resp;
    r->status = status;
    r->has_retry_after = has_retry_after;
    memcpy(r->retry_after, retry_after, sizeof retry_after);
    r->oversized = msg->payloadlen < 0 || (size_t)msg->payloadlen > MAX_BODY;
    r->body_len = r->oversized ? 0 : (size_t)msg->payloadlen;
    if (r->body_len) memcpy(r->body, msg->payload, r->body_len);
    r->body[r->body_len] = '\0';
    s->response_ready = true;
}

/* Runs the network loop for up to ms; marks the session lost on any connection error. */
static void pump(session *s, int64_t ms)
{
    if (s->lost) { sleep_ms(ms); return; }
    if (ms < 0) ms = 0;
    if (ms > 100) ms = 100;
    int rc = mosquitto_loop(s->mosq, (int)ms, 1);
    if (rc != MOSQ_ERR_SUCCESS) {
        if (!s->last_error[0]) copy_text(s->last_error, sizeof s->last_error, mosquitto_strerror(rc));
        s->lost = true;
    }
}

static void close_session(session *s, bool clean)
{
    if (!s->mosq) return;
    if (clean && !s->lost) {
        /* DISCONNECT before closing [MQTT311 3.14]. */
        if (mosquitto_disconnect(s->mosq) == MOSQ_ERR_SUCCESS) {
            int64_t until = now_ms() + DISCONNECT_WAIT_MS;
            while (!s->lost && now_ms() < until) pump(s, until - now_ms());
        }
    }
    mosquitto_destroy(s->mosq);
    s->mosq = NULL;
}

typedef enum { OPEN_OK, OPEN_FAILED, OPEN_REFUSED, OPEN_SUBSCRIBE_REFUSED, OPEN_DEADLINE } open_result;

static open_result open_session(const config *cfg, session *s, int64_t deadline_at)
{
    char username[MAX_ID_SCOPE + MAX_REGISTRATION_ID + 64];
    char token[4096];
    memset(s, 0, sizeof *s);
    s->mosq = mosquitto_new(cfg->registration_id /* client id = registration ID [MQTT] */, true /* clean session */, s);
    if (!s->mosq) { copy_text(s->last_error, sizeof s->last_error, "cannot create an MQTT client"); return OPEN_FAILED; }
    mosquitto_int_option(s->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_connect_callback_set(s->mosq, on_connect);
    mosquitto_subscribe_callback_set(s->mosq, on_subscribe);
    mosquitto_message_callback_set(s->mosq, on_message);
    mosquitto_disconnect_callback_set(s->mosq, on_disconnect);
    mosquitto_log_callback_set(s->mosq, on_log);

    /* User name {idScope}/registrations/{registrationId}/api-version=2019-03-31 [MQTT]. */
    snprintf(username, sizeof username, "%s/registrations/%s/api-version=" API_VERSION, cfg->id_scope, cfg->registration_id);
    const char *password = NULL;
    if (cfg->credential != CRED_X509) {
        s->token_expiry = (long long)time(NULL) + SAS_TTL_SECONDS;
        if (!make_sas_token(cfg, s->token_expiry, token, sizeof token)) {
            copy_text(s->last_error, sizeof s->last_error, "cannot build the SAS token");
            return OPEN_FAILED;
        }
        password = token; /* X.509: no password, the certificate is presented in TLS [MQTT] */
    }
    int rc = mosquitto_username_pw_set(s->mosq, username, password);
    OPENSSL_cleanse(token, sizeof token);
    if (rc != MOSQ_ERR_SUCCESS) { copy_text(s->last_error, sizeof s->last_error, mosquitto_strerror(rc)); return OPEN_FAILED; }

    const char *cert = cfg->credential == CRED_X509 ? cfg->chain_file : NULL;
    const char *key = cfg->credential == CRED_X509 ? cfg->key_file : NULL;
    if (cfg->ca_file[0]) {
        rc = mosquitto_tls_set(s->mosq, cfg->ca_file, NULL, cert, key, NULL);
    } else {
        mosquitto_int_option(s->mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
        rc = mosquitto_tls_set(s->mosq, NULL, "/etc/ssl/certs", cert, key, NULL);
    }
    if (rc != MOSQ_ERR_SUCCESS) { copy_text(s->last_error, sizeof s->last_error, "TLS setup failed"); return OPEN_FAILED; }
    /* Verify the server certificate and host name; libmosquitto's default versions are TLS 1.2
     * and later (DPS requires at least TLS 1.2 [MQTT]). */
    mosquitto_tls_opts_set(s->mosq, 1 /* SSL_VERIFY_PEER */, NULL, NULL);

    logf_("connecting to %s:%d as '%s'", cfg->host, cfg->port, cfg->registration_id);
    rc = mosquitto_connect(s->mosq, cfg->host, cfg->port, KEEPALIVE_SECONDS);
    if (rc != MOSQ_ERR_SUCCESS) {
        if (!s->last_error[0])
            snprintf(s->last_error, sizeof s->last_error, "%s", rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
        return OPEN_FAILED;
    }
    int64_t until = now_ms() + REQUEST_TIMEOUT_MS;
    if (until > deadline_at) until = deadline_at;
    while (!s->connack_seen && !s->lost && now_ms() < until) pump(s, until - now_ms());
    if (!s->connack_seen) {
        if (s->lost) {
            if (!s->last_error[0]) copy_text(s->last_error, sizeof s->last_error, "connection closed before CONNACK");
            return OPEN_FAILED;
        }
        copy_text(s->last_error, sizeof s->last_error, "no CONNACK");
        return now_ms() >= deadline_at ? OPEN_DEADLINE : OPEN_FAILED;
    }
    if (s->connack_rc != 0) {
        snprintf(s->last_error, sizeof s->last_error, "server refused CONNECT: CONNACK %d (%s)", s->connack_rc,
                 mosquitto_connack_string(s->connack_rc));
        return OPEN_REFUSED;
    }
    logf_("connected; subscribing to " SUBSCRIBE_TOPIC);
    /* Subscribe before the first publish, QoS 1 [MQTT]. */
    rc = mosquitto_subscribe(s->mosq, &s->subscribe_mid, SUBSCRIBE_TOPIC, 1);
    if (rc != MOSQ_ERR_SUCCESS) { copy_text(s->last_error, sizeof s->last_error, mosquitto_strerror(rc)); return OPEN_FAILED; }
    until = now_ms() + REQUEST_TIMEOUT_MS;
    if (until > deadline_at) until = deadline_at;
    while (!s->suback_seen && !s->lost && now_ms() < until) pump(s, until - now_ms());
    if (!s->suback_seen) {
        if (!s->last_error[0]) copy_text(s->last_error, sizeof s->last_error, s->lost ? "connection closed before SUBACK" : "no SUBACK");
        return (!s->lost && now_ms() >= deadline_at) ? OPEN_DEADLINE : OPEN_FAILED;
    }
    if (s->granted_qos == 0x80) { copy_text(s->last_error, sizeof s->last_error, "the subscription was refused (SUBACK 0x80)"); return OPEN_SUBSCRIBE_REFUSED; }
    return OPEN_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Timing [RETRY], [LIMITS]                                                                 */
/* ---------------------------------------------------------------------------------------- */

/* retry-after in ms: whole seconds; a decimal fraction rounded up; anything else is unusable
 * (-1). Raised to MINIMUM_WAIT_MS and never lowered. */
static int64_t honoured_wait_ms(const response *r)
{
    if (!r->has_retry_after) return -1;
    const char *p = r->retry_after;
    while (*p == ' ') p++;
    int64_t seconds = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9') { if (digits < 9) seconds = seconds * 10 + (*p - '0'); else return -1; digits++; p++; }
    if (digits == 0) return -1;
    if (*p == '.') {
        p++;
        bool fraction = false;
        int fdigits = 0;
        while (*p >= '0' && *p <= '9') { if (*p != '0') fraction = true; fdigits++; p++; }
        if (fdigits == 0) return -1;
        if (fraction) seconds++;
    }
    while (*p == ' ') p++;
    if (*p) return -1;
    int64_t ms = seconds * 1000;
    return ms < MINIMUM_WAIT_MS ? MINIMUM_WAIT_MS : ms;
}

static uint32_t random_below(uint32_t bound)
{
    uint32_t v = 0;
    if (RAND_bytes((unsigned char *)&v, sizeof v) != 1) v = (uint32_t)now_ms();
    return bound ? v % bound : 0;
}

/* Exponential back-off with jitter, the Embedded C SDK's az_iot_calculate_retry_delay rule:
 * min(1 s * 2^attempt, 100 s), plus up to 5 s of jitter while that stays under the maximum. */
static int64_t backoff_ms(int attempt)
{
    int exponent = attempt < 1 ? 1 : (attempt > 20 ? 20 : attempt);
    int64_t d = (int64_t)BACKOFF_MIN_MS << exponent;
    if (d > BACKOFF_MAX_MS) d = BACKOFF_MAX_MS;
    int64_t jitter = random_below(BACKOFF_JITTER_MS);
    if (BACKOFF_MAX_MS - d > jitter) d += jitter;
    return d < MINIMUM_WAIT_MS ? MINIMUM_WAIT_MS : d;
}

/* ---------------------------------------------------------------------------------------- */
/* Provisioning                                                                             */
/* ---------------------------------------------------------------------------------------- */

typedef struct {
    const config *cfg;
    int64_t started, deadline_at;
    unsigned rid;             /* a new $rid for every request */
    bool connected_once;
    int failures;             /* consecutive transient failures, the back-off exponent */
    char operation_id[MAX_FIELD];
} run_state;

/* Waits ms while keeping the connection serviced; false (and a timedOut outcome) when that
 * would pass the deadline: a long retry-after is never shortened to fit. */
static bool pause_for(run_state *st, int64_t ms, outcome *o)
{
    if (now_ms() + ms > st->deadline_at) {
        o->status = "timedOut";
        set_message(o, "the next attempt (in %lld s) would pass the deadline of %d s", (long long)((ms + 999) / 1000),
                    st->cfg->deadline_seconds);
        return false;
    }
    logf_("waiting %lld ms", (long long)ms);
    int64_t until = now_ms() + ms;
    while (now_ms() < until) {
        if (sess.mosq) pump(&sess, until - now_ms());
        else sleep_ms(until - now_ms());
    }
    return true;
}

static void body_error_fields(const response *r, outcome *o)
{
    dps_body b;
    bool parsed = !r->oversized && parse_dps_body(r->body, r->body_len, &b);
    o->has_error_code = true;
    o->error_code = (parsed && b.has_error_code) ? b.error_code : r->status;
    if (parsed && b.message.present && b.message.text[0]) set_message(o, "%s", b.message.text);
    else set_message(o, "service answered %d", r->status);
}

/* Handles one response: true means "go on", false means o holds the result. */
static bool handle_response(run_state *st, const response *r, outcome *o)
{
    if (r->status >= 200 && r->status < 300) {
        dps_body b;
        if (r->oversized || !parse_dps_body(r->body, r->body_len, &b)) {
            o->status = "error";
            set_message(o, "unreadable %d body (not a JSON object)", r->status);
            return false;
        }
        if (b.operation_id.present && b.operation_id.too_long) {
            o->status = "error";
            set_message(o, "operationId longer than %d bytes", MAX_FIELD - 1);
            return false;
        }
        if (b.operation_id.present && b.operation_id.text[0]) copy_text(st->operation_id, sizeof st->operation_id, b.operation_id.text);
        copy_text(o->operation_id, sizeof o->operation_id, st->operation_id);
        const char *status = b.status.present ? b.status.text : "";
        if (strcmp(status, "assigning") == 0) {
            if (!st->operation_id[0]) { o->status = "error"; set_message(o, "'assigning' without an operationId"); return false; }
            st->failures = 0;
            int64_t wait = honoured_wait_ms(r);
            return pause_for(st, wait >= 0 ? wait : DEFAULT_POLL_WAIT_MS, o);
        }
        if (strcmp(status, "assigned") == 0) {
            if (!b.assigned_hub.present || !b.device_id.present || !b.assigned_hub.text[0] || !b.device_id.text[0] ||
                b.assigned_hub.too_long || b.device_id.too_long) {
                o->status = "error";
                set_message(o, "'assigned' without a usable assignedHub and deviceId");
                return false;
            }
            o->status = "assigned";
            copy_text(o->assigned_hub, sizeof o->assigned_hub, b.assigned_hub.text);
            copy_text(o->device_id, sizeof o->device_id, b.device_id.text);
            return false;
        }
        /* failed, disabled, unassigned, anything else: a clear failure, never more polling. */
        if (strcmp(status, "failed") == 0) o->status = "failed";
        else if (strcmp(status, "disabled") == 0) o->status = "disabled";
        else o->status = "error";
        if (b.has_state_error_code) { o->has_error_code = true; o->error_code = b.state_error_code; }
        if (b.error_message.present && b.error_message.text[0]) set_message(o, "%s", b.error_message.text);
        else if (status[0]) set_message(o, "registration ended '%s'", status);
        else set_message(o, "%d without a registration status", r->status);
        return false;
    }
    if (r->status == 429 || r->status >= 500) {
        /* Transient: wait retry-after, or back off, and send the same request again with a new
         * $rid; the operationId is kept [RETRY]. */
        st->failures++;
        int64_t wait = honoured_wait_ms(r);
        logf_("transient %d; retrying", r->status);
        return pause_for(st, wait >= 0 ? wait : backoff_ms(st->failures), o);
    }
    /* Any other status (4xx) is final. */
    o->status = "error";
    body_error_fields(r, o);
    copy_text(o->operation_id, sizeof o->operation_id, st->operation_id);
    return false;
}

/* Opens a connection when there is none. True means "go on"; false means o holds the result. */
static bool ensure_connection(run_state *st, outcome *o)
{
    /* A fresh token before the current one expires: reconnect. */
    if (sess.mosq && sess.token_expiry && (long long)time(NULL) >= sess.token_expiry - SAS_RENEW_MARGIN_SECONDS) {
        logf_("renewing the SAS token");
        close_session(&sess, true);
    }
    if (sess.mosq && sess.lost) close_session(&sess, false);
    if (sess.mosq) return true;

    open_result r = open_session(st->cfg, &sess, st->deadline_at);
    if (r == OPEN_OK) { st->connected_once = true; return true; }
    char reason[sizeof sess.last_error];
    copy_text(reason, sizeof reason, sess.last_error);
    int connack = sess.connack_rc;
    close_session(&sess, r == OPEN_SUBSCRIBE_REFUSED);
    switch (r) {
    case OPEN_REFUSED:
        /* A refusal (CONNACK 4 or 5) would not change by retrying. */
        o->status = "connectionFailed";
        o->has_error_code = true;
        o->error_code = connack;
        set_message(o, "%s", reason);
        return false;
    case OPEN_SUBSCRIBE_REFUSED:
        o->status = "error";
        set_message(o, "%s", reason);
        return false;
    case OPEN_DEADLINE:
        o->status = "timedOut";
        set_message(o, "deadline passed while connecting: %s", reason);
        return false;
    default:
        break;
    }
    if (!st->connected_once) { o->status = "connectionFailed"; set_message(o, "%s", reason); return false; }
    logf_("reconnect failed: %s", reason);
    st->failures++;
    return pause_for(st, backoff_ms(st->failures), o);
}

/* Publishes the next request: register, or a poll of the register response's operation [MQTT]. */
static bool publish_request(run_state *st, outcome *o)
{
    char topic[MAX_FIELD * 3 + 128];
    char body[MAX_REGISTRATION_ID * 6 + 64];
    size_t body_len = 0;
    bool poll = st->operation_id[0] != '\0';
    st->rid++; /* a new $rid for every request, retries included */
    snprintf(sess.expected_rid, sizeof sess.expected_rid, "%u", st->rid);
    sess.response_ready = false;
    if (poll) {
        char encoded[MAX_FIELD * 3];
        if (!pct_encode(st->operation_id, encoded, sizeof encoded)) { o->status = "error"; set_message(o, "operationId too long"); return false; }
        snprintf(topic, sizeof topic, "$dps/registrations/GET/iotdps-get-operationstatus/?$rid=%u&operationId=%s", st->rid, encoded);
    } else {
        /* {"registrationId":"..."}: the DeviceRegistration body, the ID JSON-escaped. */
        FILE *mem = fmemopen(body, sizeof body, "w");
        if (!mem) { o->status = "error"; set_message(o, "out of memory"); return false; }
        fputs("{\"registrationId\":", mem);
        put_json_string(mem, st->cfg->registration_id);
        fputs("}", mem);
        long pos = ftell(mem);
        fclose(mem);
        body_len = pos > 0 && (size_t)pos < sizeof body ? (size_t)pos : 0;
        snprintf(topic, sizeof topic, "$dps/registrations/PUT/iotdps-register/?$rid=%u", st->rid);
    }
    logf_("%s $rid=%u", poll ? "poll" : "register", st->rid);
    if (mosquitto_publish(sess.mosq, NULL, topic, (int)body_len, body_len ? body : NULL, 1, false) != MOSQ_ERR_SUCCESS)
        sess.lost = true;
    return true;
}

/* Waits for the answer to the current $rid. True with sess.response_ready set, or true without
 * it after a drop or a silent service (then the request goes again on a new connection); false
 * means o holds the result. */
static bool await_response(run_state *st, outcome *o)
{
    int64_t until = now_ms() + REQUEST_TIMEOUT_MS;
    if (until > st->deadline_at) until = st->deadline_at;
    while (!sess.response_ready && !sess.lost && now_ms() < until) pump(&sess, until - now_ms());
    sess.expected_rid[0] = '\0';
    if (sess.response_ready) {
        logf_("answer %d to $rid=%u%s%s", sess.resp.status, st->rid, sess.resp.has_retry_after ? " retry-after=" : "",
              sess.resp.has_retry_after ? sess.resp.retry_after : "");
        return true;
    }
    if (now_ms() >= st->deadline_at) {
        o->status = "timedOut";
        set_message(o, "no answer to $rid=%u within the deadline of %d s", st->rid, st->cfg->deadline_seconds);
        return false;
    }
    logf_("%s; reconnecting", sess.lost ? "connection lost" : "no answer");
    close_session(&sess, !sess.lost);
    st->failures++;
    return pause_for(st, backoff_ms(st->failures), o);
}

static void provision(const config *cfg, outcome *o)
{
    run_state st = { .cfg = cfg };
    st.started = now_ms();
    st.deadline_at = st.started + (int64_t)cfg->deadline_seconds * 1000;
    memset(o, 0, sizeof *o);
    for (;;) {
        if (now_ms() >= st.deadline_at) {
            /* An overall deadline instead of polling for ever. */
            o->status = "timedOut";
            set_message(o, "not assigned within the deadline of %d s", cfg->deadline_seconds);
            break;
        }
        if (!ensure_connection(&st, o)) break;
        if (!sess.mosq) continue;
        if (!publish_request(&st, o) || !await_response(&st, o)) break;
        if (sess.response_ready && !handle_response(&st, &sess.resp, o)) break;
    }
    if (!o->operation_id[0] && st.operation_id[0]) copy_text(o->operation_id, sizeof o->operation_id, st.operation_id);
    close_session(&sess, true);
}

int main(int argc, char **argv)
{
    config cfg;
    load_config(argc, argv, &cfg);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = watchdog;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    alarm((unsigned)cfg.deadline_seconds + 10);

    mosquitto_lib_init();
    outcome o;
    provision(&cfg, &o);
    mosquitto_lib_cleanup();
    OPENSSL_cleanse(cfg.key, sizeof cfg.key);

    alarm(0);
    return print_outcome(&o);
}
