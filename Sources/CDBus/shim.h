#ifndef CABIN_CDBUS_SHIM_H
#define CABIN_CDBUS_SHIM_H
#include <dbus/dbus.h>
#endif
