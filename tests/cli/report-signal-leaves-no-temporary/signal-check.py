"""Signals a `reprint scan -o big.json` once its temporary file exists; none may be left.

A corpus of 1,500 documents sharing one paragraph makes a report of several MB, so writing it
takes long enough to be caught. Exit 0: every signal was caught mid-write and nothing was left;
1: a temporary survived (or the program did not die of the signal); 77: no run could be
caught mid-write (the machine was too fast or too slow to tell)."""
import os, signal, subprocess, sys, time

reprint = sys.argv[1]
shared = " ".join("w%d" % i for i in range(80))
os.makedirs("corpus", exist_ok=True)
for d in range(1500):
    with open("corpus/d%04d.txt" % d, "w") as f:
        f.write("unique words of document %d come first. %s and then the end %d.\n" % (d, shared, d))

def temporaries():
    return [n for n in os.listdir(".") if n.startswith("big.json.tmp-")]

caught = {}
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    for attempt in range(5):
        p = subprocess.Popen([reprint, "scan", "--format", "json", "--threads", "1",
                              "-o", "big.json", "corpus"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seen = False
        while p.poll() is None:
            if temporaries():
                p.send_signal(sig)
                seen = True
                break
        p.wait()
        if not seen:
            continue
        left = temporaries()
        if left:
            print("%s left %s" % (signal.Signals(sig).name, left))
            sys.exit(1)
        if p.returncode != -sig:
            print("%s: exit status %d, want death by the signal" % (signal.Signals(sig).name,
                                                                     p.returncode))
            sys.exit(1)
        caught[sig] = True
        break
if len(caught) < 3:
    print("skipped: caught %d of 3 runs mid-write" % len(caught))
    sys.exit(77)
sys.exit(0)
