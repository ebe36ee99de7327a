#ifndef DPSCONFORM_CMOSQUITTO_SHIM_H
#define DPSCONFORM_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
/* OpenSSL, for a client SSL_CTX handed to libmosquitto (MOSQ_OPT_SSL_CTX) when a client
   certificate must be loaded leniently (DevKit Alias certificates, see MosquittoClient). */
#include <openssl/ssl.h>
#include <openssl/err.h>
#endif
