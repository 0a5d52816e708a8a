#!/usr/bin/env python3
"""Checks the manifests of `surety export kubernetes` field by field.

Usage: check_kubernetes.py MANIFESTS.yaml

Written for the job file of ExportE2E.KubernetesManifestsParseAndHoldEveryField
(jobs db, sync and manual): every document parses as YAML; the Secret holds
a job file whose state_dir is the claim's mount; each scheduled job has a
batch/v1 CronJob with the cron schedule, its zone, the concurrency policy of
its overlap, the starting deadline of persistent, the timeout as
activeDeadlineSeconds, backoffLimit 0 and a container running `surety run`;
the job run only by hand has none. The job file is a Secret: it may hold
inline alert URLs and environment values. Prints "ok: N CronJobs" or each mismatch.
"""
import sys

import yaml

problems = []


def expect(what, got, want):
    if got != want:
        problems.append(f"{what}: {got!r}, expected {want!r}")


docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]
kinds = {}
for d in docs:
    kinds.setdefault(d["kind"], []).append(d)
    expect(f"{d['kind']} {d['metadata']['name']} namespace", d["metadata"].get("namespace"), "backup")

config = kinds["Secret"][0]
job_file = config["stringData"]["surety.toml"]
if 'state_dir = "/var/lib/surety"' not in job_file and "state_dir = '/var/lib/surety'" not in job_file:
    problems.append("the Secret's job file does not keep its history on the claim")
for name in ("[jobs.db]", "[jobs.sync]", "[jobs.manual]"):
    if name not in job_file:
        problems.append(f"the Secret's job file lacks {name}")

cron = {c["metadata"]["annotations"]["surety/job"]: c for c in kinds.get("CronJob", [])}
expect("CronJobs", sorted(cron), ["db", "sync"])
want = {
    "db": dict(schedule="30 2 * * *", timeZone="Europe/Berlin", concurrencyPolicy="Forbid",
               startingDeadlineSeconds=86400, activeDeadlineSeconds=3960),
    "sync": dict(schedule="*/15 * * * *", timeZone=None, concurrencyPolicy="Allow",
                 startingDeadlineSeconds=60, activeDeadlineSeconds=None),
}
for job, w in want.items():
    c = cron.get(job)
    if c is None:
        continue
    expect(f"{job} apiVersion", c["apiVersion"], "batch/v1")
    spec = c["spec"]
    for key in ("schedule", "timeZone", "concurrencyPolicy", "startingDeadlineSeconds"):
        expect(f"{job} {key}", spec.get(key), w[key])
    jspec = spec["jobTemplate"]["spec"]
    expect(f"{job} backoffLimit", jspec.get("backoffLimit"), 0)
    expect(f"{job} activeDeadlineSeconds", jspec.get("activeDeadlineSeconds"), w["activeDeadlineSeconds"])
    pod = jspec["template"]["spec"]
    expect(f"{job} restartPolicy", pod["restartPolicy"], "Never")
    container = pod["containers"][0]
    expect(f"{job} image", container["image"], "registry.example/surety:1")
    expect(f"{job} args", container["args"],
           ["--config", "/etc/surety/surety.toml", "run", job, "--trigger=schedule"])
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    expect(f"{job} mounts", mounts, {"job-file": "/etc/surety", "state": "/var/lib/surety"})
    volumes = {v["name"]: v for v in pod["volumes"]}
    expect(f"{job} job file volume", volumes["job-file"]["secret"]["secretName"], "surety-job-file")
    expect(f"{job} state claim", volumes["state"]["persistentVolumeClaim"]["claimName"], "surety-state")

serve = kinds["Deployment"][0]["spec"]["template"]["spec"]["containers"][0]
expect("serve args", serve["args"][2:4], ["serve", "0.0.0.0:9724"])
expect("claim access", kinds["PersistentVolumeClaim"][0]["spec"]["accessModes"], ["ReadWriteMany"])

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"ok: {len(cron)} CronJobs")
