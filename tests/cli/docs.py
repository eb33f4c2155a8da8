#!/usr/bin/env python3
"""The documents stay whole and in step.

usage: docs.py BUNRICTL SRCDIR

- Each Japanese document in docs/ja/ names the same appliance.cfg and policy.cfg
  keys, bunrictl subcommands and command-line options as its English original, and
  the other way round.
- Every relative link in README.md and docs/ points to a file that exists, and a
  link to a heading of a Markdown file finds that heading.
- No document speaks of how the program was developed (issue or stop numbers,
  "today").
"""
import os
import re
import subprocess
import sys

PAIRS = ('installation.md', 'operations.md', 'policy-reference.md')
CONFIG_HEADINGS = ('appliance.cfg', 'policy.cfg')


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def subcommands(bunrictl):
    """The subcommands bunrictl's own help lists."""
    out = subprocess.run([bunrictl, '--help'], capture_output=True, text=True)
    text = out.stdout + out.stderr
    names = set(re.findall(r'^  ([a-z]+) ', text, re.M))
    names.discard('help')
    if len(names) < 5:
        sys.exit(f'bunrictl --help lists too few subcommands: {sorted(names)}')
    return names


def table_keys(text):
    """Full key names from the first column of the two config tables.

    A row's first span may be dotted (`logging.dir`); later spans of the same cell
    inherit its group (`rotate_seconds` -> logging.rotate_seconds). An indented
    span (`  port`) belongs to the row above it (`zones.<zone>`)."""
    keys = set()
    in_config = False
    parent = ''
    for line in text.split('\n'):
        if line.startswith('#'):
            in_config = any(h in line for h in CONFIG_HEADINGS) and '.cfg' in line
            continue
        if not in_config or not line.startswith('| `'):
            continue
        cell = line.split('|')[1]
        spans = re.findall(r'`([^`]+)`', cell)
        if not spans:
            continue
        if spans[0].startswith('  '):
            for s in spans:
                keys.add(parent + '.' + s.strip())
            continue
        first = spans[0]
        parent = first
        keys.add(first)
        group = first.rsplit('.', 1)[0] if '.' in first else ''
        for s in spans[1:]:
            keys.add(group + '.' + s if group else s)
    return keys


def named(text, vocabulary, bunrictl_subs):
    """What a document names: options, bunrictl subcommands, config keys."""
    opts = set(re.findall(r'(?<![\w-])--[a-z][a-z0-9-]*', text))
    subs = {m for m in re.findall(r'\bbunrictl ([a-z]+)', text)
            if m in bunrictl_subs}
    spans = set(re.findall(r'`([^`\n]+)`', text))
    words = set()
    for s in spans:
        words.add(s.strip())
        words.update(re.findall(r'[a-z_<>]+(?:\.[a-z_<>]+)+', s))
    keys = (table_keys(text) | (words & vocabulary)) & vocabulary
    return opts, subs, keys


def check_pairs(src, bunrictl_subs):
    problems = []
    vocabulary = set()
    for lang in ('docs', 'docs/ja'):
        vocabulary |= table_keys(read(os.path.join(src, lang,
                                                   'policy-reference.md')))
    if len(vocabulary) < 40:
        problems.append(f'only {len(vocabulary)} config keys found in the '
                        'policy references: are the tables still there?')
    for name in PAIRS:
        en = named(read(os.path.join(src, 'docs', name)), vocabulary,
                   bunrictl_subs)
        ja = named(read(os.path.join(src, 'docs', 'ja', name)), vocabulary,
                   bunrictl_subs)
        for kind, e, j in zip(('option', 'bunrictl subcommand', 'key'), en, ja):
            for x in sorted(e - j):
                problems.append(f'docs/{name} names {kind} {x}, '
                                f'docs/ja/{name} does not')
            for x in sorted(j - e):
                problems.append(f'docs/ja/{name} names {kind} {x}, '
                                f'docs/{name} does not')
    return problems, vocabulary


def slug(heading):
    """The anchor GitHub gives a heading."""
    h = heading.strip().lower()
    h = re.sub(r'[^\w\- ]', '', h)
    return h.replace(' ', '-')


def anchors(path):
    found = set()
    counts = {}
    in_code = False
    for line in read(path).split('\n'):
        if line.startswith('```'):
            in_code = not in_code
        if in_code:
            continue
        m = re.match(r'^#+\s+(.*)$', line)
        if m:
            s = slug(m.group(1))
            n = counts.get(s, 0)
            counts[s] = n + 1
            found.add(s if n == 0 else f'{s}-{n}')
    return found


def documents(src):
    yield os.path.join(src, 'README.md')
    for root, _, files in os.walk(os.path.join(src, 'docs')):
        for f in sorted(files):
            if f.endswith('.md'):
                yield os.path.join(root, f)


def check_links(src):
    problems = []
    for doc in documents(src):
        text = re.sub(r'```.*?```', '', read(doc), flags=re.S)
        rel = os.path.relpath(doc, src)
        for target in re.findall(r'\]\(([^)\s]+)\)', text):
            if re.match(r'[a-z]+:', target):
                continue
            path, _, anchor = target.partition('#')
            full = os.path.normpath(os.path.join(os.path.dirname(doc), path)) \
                if path else doc
            if not os.path.exists(full):
                problems.append(f'{rel}: link to {target}: no such file')
                continue
            if anchor and full.endswith('.md') and \
                    anchor not in anchors(full):
                problems.append(f'{rel}: link to {target}: no such heading')
    return problems


HISTORY = re.compile(r'\b(issue|stop) \d+\b|\btoday\b|\bthe same day\b|'
                     r'\bthis afternoon\b|今日|本日', re.I)


def check_history(src):
    problems = []
    for doc in documents(src):
        for n, line in enumerate(read(doc).split('\n'), 1):
            m = HISTORY.search(line)
            if m:
                problems.append(f'{os.path.relpath(doc, src)}:{n}: '
                                f'development history: "{m.group(0)}"')
    return problems


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    bunrictl, src = sys.argv[1], sys.argv[2]
    problems, vocabulary = check_pairs(src, subcommands(bunrictl))
    problems += check_links(src)
    problems += check_history(src)
    for p in problems:
        print(p)
    if problems:
        print(f'FAILED: {len(problems)} problems')
        return 1
    print(f'OK: {len(vocabulary)} config keys; '
          f'{len(PAIRS)} documents in step; links and headings resolve')
    return 0


if __name__ == '__main__':
    sys.exit(main())
