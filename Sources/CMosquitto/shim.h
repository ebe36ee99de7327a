#ifndef DPSCONFORM_CMOSQUITTO_SHIM_H
#define DPSCONFORM_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#endif
