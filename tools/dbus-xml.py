#!/usr/bin/env python3
"""Extract and compare etmem's D-Bus interfaces.

  dbus-xml.py extract INTROSPECTION.xml OUTDIR   write OUTDIR/<interface>.xml for org.etmem.* interfaces
  dbus-xml.py compare INTROSPECTION.xml FILE...  exit 1 if the running daemon differs from the files

The files in dbus/ are the API's source of truth; the bus suite compares them with
what the running daemon introspects, so neither can drift from the other.
"""
import sys
import xml.etree.ElementTree as ET


def shape(iface):
    """A comparable description: methods/signals with typed args, properties with type and access."""
    out = []
    for el in iface:
        if el.tag in ("method", "signal"):
            args = tuple((a.get("name"), a.get("type"), a.get("direction", "out" if el.tag == "signal" else "in"))
                         for a in el if a.tag == "arg")
            out.append((el.tag, el.get("name"), args))
        elif el.tag == "property":
            ann = tuple(sorted((a.get("name"), a.get("value")) for a in el if a.tag == "annotation"))
            out.append(("property", el.get("name"), el.get("type"), el.get("access"), ann))
    return sorted(out)


def interfaces(path):
    root = ET.parse(path).getroot()
    return {i.get("name"): i for i in root.iter("interface") if i.get("name", "").startswith("org.etmem.")}


def extract(src, outdir):
    for name, iface in interfaces(src).items():
        node = ET.Element("node")
        node.append(iface)
        ET.indent(node, space="  ")
        with open(f"{outdir}/{name}.xml", "w") as f:
            f.write('<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"\n'
                    ' "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">\n')
            f.write(ET.tostring(node, encoding="unicode") + "\n")


def compare(src, files):
    live = interfaces(src)
    bad = 0
    for f in files:
        for name, iface in interfaces(f).items():
            if name not in live:
                print(f"{f}: interface {name} is not offered by the daemon")
                bad = 1
                continue
            a, b = shape(iface), shape(live[name])
            if a != b:
                print(f"{f}: {name} differs from the daemon:")
                for x in a:
                    if x not in b:
                        print("  only in file:  ", x)
                for x in b:
                    if x not in a:
                        print("  only in daemon:", x)
                bad = 1
            else:
                print(f"{f}: {name} matches ({len(a)} members)")
    return bad


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "extract":
        extract(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 4 and sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3:]))
    else:
        print(__doc__)
        sys.exit(2)
