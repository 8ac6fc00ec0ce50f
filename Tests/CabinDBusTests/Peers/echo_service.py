"""A foreign service (python-dbus with a GLib main loop) that Cabin's client calls.

usage: echo_service.py ADDRESS
Owns org.cabin.PyPeer1 and serves /org/cabin/PyPeer with org.cabin.PyPeer1.Echo(v) -> v and
Describe(v) -> s (the canonical text of the received value); prints 'ready' once the name is owned
and exits when the bus goes away or Quit is called.
"""

import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

from canonical import canonical

IFACE = 'org.cabin.PyPeer1'


class Peer(dbus.service.Object):
    def __init__(self, bus, loop):
        super().__init__(bus, '/org/cabin/PyPeer')
        self.loop = loop

    @dbus.service.method(IFACE, in_signature='v', out_signature='v')
    def Echo(self, value):
        return value

    @dbus.service.method(IFACE, in_signature='v', out_signature='s')
    def Describe(self, value):
        return canonical(value)

    @dbus.service.method(IFACE, in_signature='', out_signature='')
    def Quit(self):
        GLib.idle_add(self.loop.quit)


def main():
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    loop = GLib.MainLoop()
    bus = dbus.bus.BusConnection(sys.argv[1])
    bus.call_on_disconnection(lambda _: loop.quit())
    Peer(bus, loop)
    name = dbus.service.BusName('org.cabin.PyPeer1', bus)
    print('ready', flush=True)
    loop.run()
    del name


if __name__ == '__main__':
    main()
