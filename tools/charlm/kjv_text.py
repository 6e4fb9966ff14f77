#!/usr/bin/python3
"""The King James Bible as plain text, one verse per line, from Debian's `bible-kjv` package.

  apt-get install -y bible-kjv          # the `bible` reader and bible-kjv-text's data
  python3 tools/charlm/kjv_text.py --out /tmp/kjv.txt             # the whole text (~4.2 MB)
  python3 tools/charlm/kjv_text.py --excerpt                       # rewrites the embedded excerpt

`bible gen1:1-rev22:21` prints book/chapter headings and numbered, wrapped verses; this drops the
headings and numbers and joins each verse onto one line. The embedded excerpt
(apps/demo/src/charlm/kjv-excerpt.txt, Genesis 1-20: public domain) is what `pnpm demo -- --task
charlm` trains on when no --text is given, so the example runs on a machine without the package.
"""
import argparse
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXCERPT = os.path.join(ROOT, 'apps', 'demo', 'src', 'charlm', 'kjv-excerpt.txt')


def verses(spec):
    raw = subprocess.run(['bible', spec], check=True, capture_output=True, text=True).stdout
    out, cur = [], None
    for line in raw.splitlines():
        m = re.match(r'^\s+(\d+) (.*)$', line)
        if m:
            if cur is not None:
                out.append(cur)
            cur = m.group(2).strip()
        elif line.strip() == '' or re.match(r'^\S.* \d+$', line):
            continue  # blank line or a "Genesis 1" heading
        elif cur is not None:
            cur += ' ' + line.strip()
    if cur is not None:
        out.append(cur)
    return '\n'.join(out) + '\n'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', help='write the whole Bible here')
    ap.add_argument('--excerpt', action='store_true', help='rewrite the embedded excerpt (Genesis 1-20)')
    a = ap.parse_args()
    if a.out:
        with open(a.out, 'w') as f:
            f.write(verses('gen1:1-rev22:21'))
    if a.excerpt:
        with open(EXCERPT, 'w') as f:
            f.write(verses('gen1:1-gen20:18'))


if __name__ == '__main__':
    main()
