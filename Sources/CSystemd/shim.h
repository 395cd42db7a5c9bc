// dlmd — CSystemd: the part of libsystemd dlmd uses (sd_notify, sd_watchdog_enabled).
#ifndef DLMD_CSYSTEMD_SHIM_H
#define DLMD_CSYSTEMD_SHIM_H
#include <systemd/sd-daemon.h>
#endif
