#!/usr/bin/env python3
"""The folder rules of docs/architecture-rules.md, checked on every #include.

Each C file of the product lives in a room (a folder below). A quoted include is
resolved as the compiler does (the including file's folder first, then the one room
holding that name) and must land in the file's own room or in a room it may use. An
angle include of a DPDK header (<rte_*.h>) is allowed only in the dataplane.

  include_rules.py SRCDIR              check the tree; exit 1 and name every crossing
  include_rules.py --self-test SRCDIR  copy the tree, add forbidden includes, and
                                       check that each one is caught
"""
import os
import re
import shutil
import sys
import tempfile

# room -> the rooms its files may include (besides its own)
RULES = {
    'policy': [],
    'wire': ['policy'],
    'dataplane/pipeline': ['wire', 'policy'],
    'dataplane/daemon': ['dataplane/pipeline', 'wire', 'policy'],
    'dataplane/replay': ['dataplane/pipeline', 'wire', 'policy'],
    'control/flowlog': ['wire', 'policy'],
    'control/audit': ['control/flowlog', 'wire', 'policy'],
    'control/controld': ['control/flowlog', 'wire', 'policy'],
    'control/cli': ['wire', 'policy'],
    'sanitizer': [],
}
# single headers a room may include outside its rules: every program prints the same
# --version, and the sanitizer links nothing else of bunri
EXTRA = {'sanitizer': ['policy/version.h']}
DPDK_ROOMS = ('dataplane/pipeline', 'dataplane/daemon', 'dataplane/replay')
# the folders that hold rooms: a C file directly in one of them belongs to no room
PARENTS = ('dataplane', 'control')

QUOTED = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
ANGLED = re.compile(r'^\s*#\s*include\s*<([^>]+)>')


def c_files(root):
    """Every .c/.h under the rooms and their parent folders, relative to root."""
    out = []
    for top in sorted(set(list(RULES) + list(PARENTS))):
        d = os.path.join(root, top)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith(('.c', '.h')):
                out.append(f'{top}/{name}')
    return out


def room_of(path):
    return os.path.dirname(path)


def check(root):
    files = c_files(root)
    by_name = {}
    for f in files:
        by_name.setdefault(os.path.basename(f), []).append(f)
    errors = []
    for f in files:
        room = room_of(f)
        if room not in RULES:
            errors.append(f'{f}: in no room (put it in one of {", ".join(sorted(RULES))})')
            continue
        allowed = {room, *RULES[room]}
        with open(os.path.join(root, f), encoding='utf-8', errors='replace') as fh:
            lines = fh.read().splitlines()
        for n, line in enumerate(lines, 1):
            m = ANGLED.match(line)
            if m and m.group(1).startswith('rte_') and room not in DPDK_ROOMS:
                errors.append(f'{f}:{n}: <{m.group(1)}>: DPDK headers belong to the dataplane only')
                continue
            m = QUOTED.match(line)
            if not m:
                continue
            inc = m.group(1)
            local = os.path.normpath(f'{room}/{inc}')
            if os.path.isfile(os.path.join(root, local)):
                target = local
            else:
                found = by_name.get(os.path.basename(inc), [])
                if len(found) != 1:
                    what = 'not found' if not found else 'ambiguous: ' + ', '.join(found)
                    errors.append(f'{f}:{n}: "{inc}": {what}')
                    continue
                target = found[0]
            if room_of(target) in allowed or target in EXTRA.get(room, []):
                continue
            errors.append(f'{f}:{n}: "{inc}" is {target}: {room}/ may include only '
                          f'{", ".join(sorted(allowed))}')
    return files, errors


def self_test(root):
    """Each forbidden include, added to a copy of the tree, must be caught."""
    cases = [
        ('dataplane/pipeline/acl.c', '#include "ctlsrv.h"', 'dataplane/daemon/ctlsrv.h'),
        ('dataplane/pipeline/acl.c', '#include "flowlog.h"', 'control/flowlog/flowlog.h'),
        ('dataplane/replay/expect.c', '#include "daemon.h"', 'dataplane/daemon/daemon.h'),
        ('policy/zone.c', '#include <rte_mbuf.h>', 'DPDK headers'),
        ('wire/ctlproto.c', '#include "pipeline.h"', 'dataplane/pipeline/pipeline.h'),
        ('sanitizer/text.c', '#include "zone.h"', 'policy/zone.h'),
        ('control/controld/dpconn.c', '#include "check_cmd.h"', 'control/cli/check_cmd.h'),
        ('control/cli/ctl_client.c', '#include "seal.h"', 'control/flowlog/seal.h'),
    ]
    failed = 0
    for target, line, expect in cases:
        with tempfile.TemporaryDirectory() as tmp:
            for top in set(r.split('/')[0] for r in RULES):
                shutil.copytree(os.path.join(root, top), os.path.join(tmp, top),
                                ignore=shutil.ignore_patterns('*.py', '*.sh', 'tests'))
            with open(os.path.join(tmp, target), 'a', encoding='utf-8') as fh:
                fh.write(line + '\n')
            _, errors = check(tmp)
            hit = [e for e in errors if e.startswith(target + ':') and expect in e]
            if len(errors) == 1 and hit:
                print(f'ok: {target} + {line}: {hit[0]}')
            else:
                failed += 1
                print(f'NOT CAUGHT: {target} + {line}: {errors}')
    return failed


def main(argv):
    if len(argv) == 3 and argv[1] == '--self-test':
        return 1 if self_test(argv[2]) else 0
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    files, errors = check(argv[1])
    for e in errors:
        print(e)
    print(f'{len(files)} files, {len(errors)} includes crossing a rule')
    return 1 if errors or not files else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
