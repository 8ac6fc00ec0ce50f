"""A foreign client (python-dbus over libdbus) for Cabin's conformance tests.

usage: echo_client.py ADDRESS DESTINATION PATH COMMAND [ARGS]
  echo        call Echo(v) with one value of every type; print NAME<TAB>SENT<TAB>RECEIVED per value
  fd          pass a pipe's write end through Echo; print 'fd ok' if the returned fd writes into the pipe
  flood N     send N Echo calls without waiting, then collect every reply; print 'replies R errors E'
  hostile     send malformed or abusive calls; print NAME<TAB>OUTCOME per case (OUTCOME: an error name or 'ok')
"""

import os
import sys

import dbus
import dbus.lowlevel

from canonical import canonical

IFACE = 'org.cabin.Test1'


def cases():
    deep = dbus.Dictionary({
        'list': dbus.Array([dbus.Struct((dbus.Int32(1), dbus.String('a'), dbus.Double(0.5, variant_level=1)))],
                           signature='(isv)', variant_level=1),
        'map': dbus.Dictionary({dbus.UInt64(7): dbus.Array([dbus.Byte(1), dbus.Byte(255)], signature='y')},
                               signature='tay', variant_level=1),
        'nested': dbus.Int16(-5, variant_level=3),
    }, signature='sv')
    return [
        ('y', dbus.Byte(200)), ('b', dbus.Boolean(True)), ('b0', dbus.Boolean(False)),
        ('n', dbus.Int16(-32768)), ('q', dbus.UInt16(65535)), ('i', dbus.Int32(-2 ** 31)),
        ('u', dbus.UInt32(2 ** 32 - 1)), ('x', dbus.Int64(-2 ** 63)), ('t', dbus.UInt64(2 ** 64 - 1)),
        ('d', dbus.Double(-0.125)), ('d-max', dbus.Double(1.7976931348623157e308)),
        ('d-inf', dbus.Double(float('-inf'))), ('d-tiny', dbus.Double(5e-324)),
        ('s', dbus.String('gr\u00fc\u00dfe \u2713 "q" \\ \U0001F697')), ('s-empty', dbus.String('')),
        ('o', dbus.ObjectPath('/org/cabin/x_1')), ('o-root', dbus.ObjectPath('/')),
        ('g', dbus.Signature('a{sv}(iu)av')), ('g-empty', dbus.Signature('')),
        ('ay', dbus.Array([dbus.Byte(b) for b in range(256)], signature='y')),
        ('ai', dbus.Array([dbus.Int32(i * 7919 - 3) for i in range(100)], signature='i')),
        ('as-empty', dbus.Array([], signature='s')),
        ('aas', dbus.Array([dbus.Array(['a', 'b'], signature='s'), dbus.Array([], signature='s')], signature='as')),
        ('a{sv}', dbus.Dictionary({'one': dbus.Int32(1, variant_level=1), 'two': dbus.String('2', variant_level=1)},
                                  signature='sv')),
        ('a{ia(sd)}', dbus.Dictionary({dbus.Int32(-1): dbus.Array([dbus.Struct(('p', dbus.Double(2.5)))],
                                                                  signature='(sd)')}, signature='ia(sd)')),
        ('a{ob}-empty', dbus.Dictionary({}, signature='ob')),
        ('(ybnq)', dbus.Struct((dbus.Byte(0), dbus.Boolean(False), dbus.Int16(1), dbus.UInt16(2)))),
        ('((i)(s(x)))', dbus.Struct((dbus.Struct((dbus.Int32(3),)), dbus.Struct(('x', dbus.Struct((dbus.Int64(9),))))))),
        ('av', dbus.Array([dbus.Int32(1, variant_level=1), dbus.String('s', variant_level=1),
                           dbus.Array([dbus.Byte(3)], signature='y', variant_level=1)], signature='v')),
        ('deep', deep),
    ]


def connect(address):
    return dbus.bus.BusConnection(address)


def echo(bus, destination, path):
    method = bus.get_object(destination, path, introspect=False).get_dbus_method('Echo', IFACE)
    for name, value in cases():
        if isinstance(value, (dbus.Array, dbus.Dictionary)):
            sent = value.__class__(value, signature=value.signature, variant_level=1)
        else:
            sent = value.__class__(value, variant_level=1)
        received = method(sent, signature='v')
        print('%s\t%s\t%s' % (name, canonical(sent), canonical(received)))
    # Three variants around an int, sent as such.
    sent = dbus.Int32(42, variant_level=3)
    print('%s\t%s\t%s' % ('vvv', canonical(sent), canonical(method(sent, signature='v'))))


def fd(bus, destination, path):
    method = bus.get_object(destination, path, introspect=False).get_dbus_method('Echo', IFACE)
    read_end, write_end = os.pipe()
    received = method(dbus.types.UnixFd(write_end, variant_level=1), signature='v')
    returned = received.take()
    os.close(write_end)
    os.write(returned, b'through the bus')
    os.close(returned)
    data = os.read(read_end, 100)
    print('fd ok' if data == b'through the bus' else 'fd wrong %r' % data)


def flood(bus, destination, path, count):
    from gi.repository import GLib
    loop = GLib.MainLoop()
    state = {'replies': 0, 'errors': 0, 'pending': count}

    def done():
        state['pending'] -= 1
        if state['pending'] == 0:
            loop.quit()

    def ok(*_):
        state['replies'] += 1
        done()

    def failed(_error):
        state['errors'] += 1
        done()

    method = bus.get_object(destination, path, introspect=False).get_dbus_method('Add', IFACE)
    for i in range(count):
        method(dbus.Int32(i), dbus.Int32(1), signature='ii', reply_handler=ok, error_handler=failed, timeout=120)
    loop.run()
    print('replies %d errors %d' % (state['replies'], state['errors']))


def raw_call(bus, destination, path, interface, member, signature, args, timeout=30):
    message = dbus.lowlevel.MethodCallMessage(destination, path, interface, member)
    if signature is not None:
        message.append(*args, signature=signature)
    try:
        bus.send_message_with_reply_and_block(message, timeout)
        return 'ok'
    except dbus.DBusException as error:
        return error.get_dbus_name() or 'error'


def hostile(address, destination, path):
    # Each case gets a connection of its own, since the bus drops a sender that breaks the
    # protocol; a separate probe connection checks after each case that the service answers.
    probe = connect(address)

    def run(name, interface, member, signature, args, target=path, timeout=30):
        try:
            outcome = raw_call(connect(address), destination, target, interface, member, signature, args, timeout)
        except (TypeError, ValueError) as error:
            outcome = 'refused-locally:' + type(error).__name__
        ping = raw_call(probe, destination, path, 'org.freedesktop.DBus.Peer', 'Ping', None, [])
        print('%s\t%s\tping=%s' % (name, outcome, ping))
        sys.stdout.flush()

    props = 'org.freedesktop.DBus.Properties'
    run('wrong-signature', IFACE, 'Add', 'ss', ['1', '2'])
    run('missing-args', IFACE, 'Add', None, [])
    run('extra-args', IFACE, 'Add', 'iii', [1, 2, 3])
    run('unknown-member', IFACE, 'NoSuchMethod', None, [])
    run('unknown-interface', 'org.cabin.Nothing1', 'Echo', 'v', [dbus.Int32(1, variant_level=1)])
    run('unknown-path', IFACE, 'Echo', 'v', [dbus.Int32(1, variant_level=1)], target='/org/cabin/Nowhere')
    run('properties-wrong-signature', props, 'Get', 'i', [1])
    run('properties-bad-interface-name', props, 'Get', 'ss', ['not a name', 'x'])
    run('set-wrong-type', props, 'Set', 'ssv', [IFACE, 'Volume', dbus.String('loud', variant_level=1)])
    run('variants-63-deep', IFACE, 'Echo', 'v', [dbus.Int32(1, variant_level=63)])
    run('variants-70-deep', IFACE, 'Echo', 'v', [dbus.Int32(1, variant_level=70)])
    nested, signature = dbus.Int32(5), 'i'
    for _ in range(31):
        nested, signature = dbus.Array([nested], signature=signature), 'a' + signature
    run('arrays-32-deep', IFACE, 'Echo', 'v', [dbus.Array([nested], signature=signature, variant_level=1)])
    run('ints-1M', IFACE, 'Echo', 'v', [dbus.Array(range(1_000_000), signature='i', variant_level=1)], timeout=120)
    run('bytes-30MiB', IFACE, 'Echo', 'v', [dbus.ByteArray(bytes(30 * 1024 * 1024), variant_level=1)], timeout=120)
    run('bytes-over-max', IFACE, 'Echo', 'v', [dbus.ByteArray(bytes(33 * 1024 * 1024), variant_level=1)], timeout=120)


def main():
    address, destination, path, command = sys.argv[1:5]
    if command == 'hostile':
        hostile(address, destination, path)
        return
    if command == 'flood':
        import dbus.mainloop.glib
        dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = connect(address)
    if command == 'echo':
        echo(bus, destination, path)
    elif command == 'fd':
        fd(bus, destination, path)
    elif command == 'flood':
        flood(bus, destination, path, int(sys.argv[5]))
    else:
        sys.exit('unknown command ' + command)


if __name__ == '__main__':
    main()
