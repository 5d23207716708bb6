#!/usr/bin/python3
# LAVA's job log -> the guest console and the job's result records. The log is one YAML record
# a line: lava-run's stderr ({"dt": .., "lvl": .., "msg": ..}) or `lavacli jobs logs --raw` (the
# same records as a YAML list, "- {..}"). usage: records.py LOG CONSOLE_OUT RECORDS_JSON_OUT
# Exit 0; 2 with one line on stderr when the log holds no LAVA record at all.
import json
import sys

import yaml

# libyaml's loader where there is one: a job log has thousands of lines
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def main(log, console_path, records_path):
    nrec, results = 0, []
    with open(log, encoding="utf-8", errors="replace") as f, \
            open(console_path, "w", encoding="utf-8") as console:
        for line in f:
            line = line.strip()
            if line.startswith("- "):
                line = line[2:]
            if not line.startswith("{"):
                continue
            try:
                rec = yaml.load(line, Loader=Loader)  # tagged values (! "1.5") load as strings
            except yaml.YAMLError:
                continue  # a damaged line: a frame line lost here fails the frame's own checks
            if not isinstance(rec, dict) or "lvl" not in rec or "msg" not in rec:
                continue
            nrec += 1
            if rec["lvl"] == "target" and isinstance(rec["msg"], str):
                console.write(rec["msg"] + "\n")
            elif rec["lvl"] == "results" and isinstance(rec["msg"], dict):
                results.append(rec["msg"])
    if not nrec:
        print("lava collect: %s: not a LAVA job log (no {dt, lvl, msg} records)" % log, file=sys.stderr)
        return 2
    with open(records_path, "w", encoding="utf-8") as out:
        json.dump(results, out, default=str)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print("usage: records.py LOG CONSOLE_OUT RECORDS_JSON_OUT", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
