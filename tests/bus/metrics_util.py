# SPDX-License-Identifier: GPL-2.0-or-later
"""`etmemctl metrics` read back through a real parser: python3-prometheus-client's
OpenMetrics parser (Debian's package), which refuses what the format forbids (a counter
sample without _total, a missing # EOF, a bad escape, a unit the name does not end in)."""

from prometheus_client.openmetrics.parser import text_string_to_metric_families

# Task1 property -> the family `etmemctl metrics` prints it as, and its type
TASK_FAMILIES = {
    'Cycles': ('etmem_task_cycles', 'counter'),
    'PagesScanned': ('etmem_task_pages_scanned', 'counter'),
    'PagesHot': ('etmem_task_pages_hot', 'counter'),
    'PagesCold': ('etmem_task_pages_cold', 'counter'),
    'BytesPagedOut': ('etmem_task_paged_out_bytes', 'counter'),
    'BytesMigrated': ('etmem_task_migrated_bytes', 'counter'),
    'LastCycleUsec': ('etmem_task_last_cycle_seconds', 'gauge'),
    'Pids': ('etmem_task_pids', 'gauge'),
}


def parse(text):
    """{family name: parsed family} (each with .type, .unit, .documentation and
    .samples of (name, labels, value)); raises ValueError on anything malformed."""
    families = {}
    for fam in text_string_to_metric_families(text):
        if fam.name in families:
            raise ValueError('family %s appears twice' % fam.name)
        families[fam.name] = fam
    return families


def task_values(families, project, engine, task):
    """{Task1 property: value} of one task, read from the parsed families (Pids as a
    count, LastCycleUsec as microseconds); asserts each family's type and suffix."""
    out = {}
    labels = {'project': project, 'engine': engine, 'task': task}
    for prop, (name, type_) in TASK_FAMILIES.items():
        fam = families.get(name)
        if fam is None:
            raise AssertionError('no family %s in the output; families: %s' % (name, sorted(families)))
        if fam.type != type_:
            raise AssertionError('%s has type %s, expected %s' % (name, fam.type, type_))
        want = name + ('_total' if type_ == 'counter' else '')
        hits = [s for s in fam.samples if s.name == want and s.labels == labels]
        if len(hits) != 1:
            raise AssertionError('%d samples %s%s (expected 1); samples: %s' % (len(hits), want, labels, fam.samples))
        v = hits[0].value
        out[prop] = round(v * 1e6) if prop == 'LastCycleUsec' else int(v)
    return out


def expected_task_values(props):
    """The same view of a task's Task1 properties (from GetAll)."""
    return {p: (len(props[p]) if p == 'Pids' else props[p]) for p in TASK_FAMILIES}
