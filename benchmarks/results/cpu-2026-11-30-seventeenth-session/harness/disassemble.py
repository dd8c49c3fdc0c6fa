import sys, re, subprocess
# usage: dis.py asm.txt method-substring -> disassembles each C2 nmethod whose header contains the substring
txt = open(sys.argv[1]).read().split('\n')
want = sys.argv[2]; osr = len(sys.argv) > 3
i = 0; out = []
while i < len(txt):
    l = txt[i]
    if l.startswith('Compiled method (c2)') and want in l and ((' % ' in l) == osr):
        # find [MachCode]
        j = i
        while not txt[j].startswith('[MachCode]'): j += 1
        j += 1; data = bytearray(); start = None
        while j < len(txt) and not txt[j].startswith('[Stub Code]') and not txt[j].startswith('---') and not txt[j].startswith('[Exception'):
            m = re.match(r'\s*0x([0-9a-f]+): ((?:[0-9a-f]{2,8}\s*\|?\s*)+)$', txt[j])
            if m:
                addr = int(m.group(1), 16)
                if start is None: start = addr
                hexs = re.sub(r'[\s|]', '', m.group(2))
                if start + len(data) != addr:
                    pass
                data += bytes.fromhex(hexs)
            j += 1
        open('/tmp/hsdis/code.bin', 'wb').write(data)
        r = subprocess.run(['objdump', '-D', '-b', 'binary', '-m', 'i386:x86-64', '-M', 'intel', '--adjust-vma=' + hex(start), '/tmp/hsdis/code.bin'], capture_output=True, text=True)
        print(l); print(r.stdout)
        break
    i += 1
