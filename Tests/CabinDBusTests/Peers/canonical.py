"""Renders python-dbus values in the canonical text form that Canonical.swift also writes."""

import struct

import dbus

_BASIC = [
    (dbus.Boolean, 'b'), (dbus.Byte, 'y'), (dbus.Int16, 'n'), (dbus.UInt16, 'q'),
    (dbus.Int32, 'i'), (dbus.UInt32, 'u'), (dbus.Int64, 'x'), (dbus.UInt64, 't'),
]


def _string(text):
    # Printable ASCII stays; every other scalar is written \u{hex}, as in Swift.
    out = []
    for ch in text:
        code = ord(ch)
        if 0x20 <= code < 0x7f and ch not in '\\"':
            out.append(ch)
        else:
            out.append('\\u{%x}' % code)
    return '"' + ''.join(out) + '"'


def canonical(value, skip_levels=0):
    level = getattr(value, 'variant_level', 0) - skip_levels
    return 'v:' * max(level, 0) + _bare(value)


def _bare(value):
    for kind, code in _BASIC:
        if type(value) is kind:
            text = ('true' if value else 'false') if code == 'b' else str(int(value))
            return code + ':' + text
    if type(value) is dbus.Double:
        return 'd:' + struct.pack('>d', float(value)).hex()
    if type(value) is dbus.ObjectPath:
        return 'o:' + str(value)
    if type(value) is dbus.Signature:
        return 'g:' + str(value)
    if type(value) in (dbus.String, str):
        return 's:' + _string(str(value))
    if type(value) is dbus.Array:
        return 'a' + str(value.signature) + '[' + ','.join(canonical(v) for v in value) + ']'
    if type(value) is dbus.Dictionary:
        entries = ','.join(canonical(k) + '=' + canonical(v) for k, v in value.items())
        return 'a{' + str(value.signature) + '}{' + entries + '}'
    if type(value) is dbus.Struct:
        return '(' + ','.join(canonical(v) for v in value) + ')'
    raise TypeError('no canonical form for %r' % (value,))
