#!/usr/bin/env bash
# Mutation testing of src/salesmodel with mutmut 3, module by module, outside CI.
#
#   scripts/mutation.sh                       every module, in the order below
#   scripts/mutation.sh salesmodel.money ...  only these modules
#   scripts/mutation.sh --score               print the saved scores, run nothing
#   scripts/mutation.sh --show MODULE         print the diff of each mutant of MODULE
#                                             that its last run did not kill
#
# Each module runs in its own copy of the project, mutants/work/<module>/, whose
# pyproject.toml is this one with [tool.mutmut] narrowed to that module: only its file
# is mutated (only_mutate) and only the test files that exercise it run (the map
# below; mutmut then runs, for each mutant, only the tests that call the mutated
# function). A copy per module keeps each module's cache: mutmut drops every cached
# result when the test selection changes. The score of each module is saved in
# mutants/scores/<module>.json; the summary printed at the end reads them all.
#
# Env: PYTHON (default: the venv's python beside this repo, else python3),
#      JOBS (parallel mutants, default 2),
#      MUTATION_TESTS (test files to run instead of the map's, for every module named),
#      MUTATION_TIMEOUT_MULTIPLIER (mutmut's timeout_multiplier, default 15: a mutant
#      times out after 2 × multiplier × (its tests' time + 1 s) of CPU; 4 is enough on
#      an idle machine and makes loop-breaking mutants cost a minute, not four).
# See docs/explanation/mutation-testing.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x "$root/../venv/bin/python" ]]; then PYTHON="$root/../venv/bin/python"; else PYTHON=python3; fi
fi
jobs=${JOBS:-2}
bin=$(dirname "$PYTHON")

# The tests that exercise each module: its own test file, the doctests in its
# docstrings, and the pages whose examples call it. A module absent from the map
# runs tests/test_<name>.py (or the whole tests/ folder) and its own doctests.
declare -A TESTS=(
    [salesmodel.money]="tests/test_money.py"
    [salesmodel.errors]="tests/test_errors.py tests/test_checks.py tests/test_money.py tests/test_entities.py"
    [salesmodel.attributes]="tests/test_attributes.py tests/test_entities.py"
    [salesmodel._checks]="tests/test_checks.py tests/test_entities.py"
    [salesmodel._rules]="tests/test_rules.py tests/test_entities.py"
    [salesmodel.entities]="tests/test_entities.py"
    # Not tests/test_pipeline_machine.py: its stateful tests take a minute a mutant.
    [salesmodel.pipeline]="tests/test_pipeline.py tests/test_pipeline_docs.py docs/howto/pipelines.md"
    [salesmodel.history]="tests/test_history.py tests/test_pipeline.py"
    [salesmodel.serialization]="tests/test_serialization.py tests/test_serialization_converter.py tests/test_serialization_inputs.py tests/test_pipeline_serialization.py docs/howto/serialisation.md"
    [salesmodel.privacy]="tests/test_privacy.py"
    [salesmodel.kpi._results]="tests/test_kpi_results.py tests/test_kpi_rules.py"
    [salesmodel.kpi._deals]="tests/test_kpi_deals.py tests/test_kpi_rules.py tests/test_kpi_oracles.py"
    [salesmodel.kpi._grouping]="tests/test_kpi_grouping.py tests/test_kpi_rules.py tests/test_kpi_zones.py"
    [salesmodel.bulk]="tests/test_bulk.py tests/test_kpi_bulk.py"
    # Not tests/test_kpi_merge.py: its property tests set max_examples=40 themselves
    # and take minutes a mutant; the scores are reached without it.
    [salesmodel.kpi._base]="tests/test_kpi_base.py tests/test_kpi_rules.py tests/test_kpi_records.py"
    [salesmodel.kpi._records]="tests/test_kpi_records.py tests/test_kpi_rules.py"
    [salesmodel.kpi._amounts]="tests/test_kpi_amounts.py tests/test_kpi_rules.py tests/test_kpi_deals.py tests/test_kpi_pipeline.py"
    [salesmodel.kpi._accumulators]="tests/test_kpi_accumulators.py tests/test_kpi_collect.py tests/test_kpi_rules.py"
    [salesmodel.kpi._collect]="tests/test_kpi_collect.py"
    [salesmodel._book]="tests/test_book.py tests/test_kpi_collect.py tests/test_kpi_records.py"
    [salesmodel.kpi._activity]="tests/test_kpi_activity.py tests/test_kpi_records.py tests/test_kpi_rules.py tests/test_kpi_collect.py"
    [salesmodel.kpi._stages]="tests/test_kpi_stages.py"
    [salesmodel.kpi._pipeline]="tests/test_kpi_pipeline.py"
    [salesmodel.kpi._targets]="tests/test_kpi_targets.py"
    [salesmodel.kpi._growth]="tests/test_kpi_growth.py"
    [salesmodel.kpi._customers]="tests/test_kpi_customers.py"
    [salesmodel.kpi._lifetimes]="tests/test_kpi_lifetimes.py"
    [salesmodel.scoring]="tests/test_scoring.py tests/test_scoring_rules.py"
    [salesmodel.temperature]="tests/test_temperature.py tests/test_temperature_policy.py"
    [salesmodel.routing]="tests/test_routing.py tests/test_routing_decisions.py"
    [salesmodel.predictive]="tests/test_predictive.py tests/test_predictive_edges.py"
    [salesmodel.samples]="tests/test_samples.py tests/test_samples_spans.py"
    # Not tests/test_plot.py: a test there starts a Python process that imports the
    # mutated package, where mutmut's hook finds no configuration and stops the run.
    [salesmodel.plot]="tests/test_plot_figures.py tests/test_plot_arguments.py"
    [salesmodel._cli.demo]="tests/test_cli_demo.py"
    [salesmodel._cli.report]="tests/test_cli_report.py"
    [salesmodel._cli.layouts]="tests/test_cli_report.py"
    [salesmodel._cli.tables]="tests/test_cli_tables.py"
)
ORDER=(
    salesmodel.money salesmodel.errors salesmodel.attributes salesmodel._checks
    salesmodel._rules salesmodel.entities salesmodel.pipeline salesmodel.history
    salesmodel.serialization salesmodel.privacy salesmodel.kpi._results
    salesmodel.kpi._deals salesmodel.kpi._grouping salesmodel.scoring
    salesmodel.kpi._base salesmodel.kpi._records salesmodel.kpi._amounts
    salesmodel.kpi._accumulators salesmodel.kpi._collect salesmodel._book
    salesmodel.kpi._activity salesmodel.kpi._stages salesmodel.kpi._pipeline
    salesmodel.kpi._targets salesmodel.kpi._growth salesmodel.kpi._customers
    salesmodel.kpi._lifetimes salesmodel.temperature salesmodel.qualification
    salesmodel.routing salesmodel.bulk salesmodel.predictive salesmodel.presets
    salesmodel.enums salesmodel.samples salesmodel.strategies salesmodel.plot
    salesmodel._cli.tables salesmodel._cli.layouts salesmodel._cli.report
    salesmodel._cli.demo
)

score() {
    "$PYTHON" - "$root/mutants/scores" <<'EOF'
import json, sys
from pathlib import Path

rows = [json.loads(p.read_text()) for p in sorted(Path(sys.argv[1]).glob("*.json"))]
keys = ("killed", "timeout", "suspicious", "survived", "no_tests", "total")
print(f"{'module':32} {'killed':>6} {'timeout':>7} {'susp.':>5} {'surv.':>5} {'no test':>7} {'total':>5}  score")
sums = dict.fromkeys(keys, 0)
for row in rows:
    for k in keys:
        sums[k] += row[k]
    print(f"{row['module']:32} {row['killed']:6} {row['timeout']:7} {row['suspicious']:5} "
          f"{row['survived']:5} {row['no_tests']:7} {row['total']:5}  {row['score']:.1%}")
if rows:
    overall = (sums["killed"] + sums["timeout"]) / max(sums["total"], 1)
    print(f"{'overall':32} {sums['killed']:6} {sums['timeout']:7} {sums['suspicious']:5} "
          f"{sums['survived']:5} {sums['no_tests']:7} {sums['total']:5}  {overall:.1%}")
EOF
}

if [[ "${1:-}" == "--score" ]]; then score; exit 0; fi
if [[ "${1:-}" == "--show" ]]; then
    cd "mutants/work/${2:?--show needs a module}"
    # One process for every diff: mutmut show per mutant would start Python each time.
    exec "$PYTHON" - <<'EOF'
import json
from pathlib import Path

from mutmut.__main__ import get_diff_for_mutant
from mutmut.stats import status_by_exit_code

for meta in Path("mutants").rglob("*.py.meta"):
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    source = str(meta.relative_to("mutants"))[: -len(".meta")]
    for name, code in codes.items():
        if status_by_exit_code[code] not in ("killed", "caught by type check"):
            print(f"# {name}: {status_by_exit_code[code]}")
            print(get_diff_for_mutant(name, path=source))
EOF
fi
modules=("$@")
[[ ${#modules[@]} -eq 0 ]] && modules=("${ORDER[@]}")
mkdir -p mutants/work mutants/scores

for module in "${modules[@]}"; do
    file=src/${module//.//}.py
    [[ -f "$file" ]] || { echo "no such module: $module ($file)" >&2; exit 2; }
    name=${module##*.}; name=${name#_}
    # MUTATION_TESTS overrides the map, e.g. while trying a new test file.
    tests=${MUTATION_TESTS:-${TESTS[$module]:-}}
    if [[ -z "$tests" ]]; then
        if [[ -f tests/test_$name.py ]]; then tests=tests/test_$name.py; else tests=tests; fi
    fi
    selection=()
    for t in $tests "$file"; do [[ -e "$t" ]] && selection+=("$t"); done
    echo "== $module: mutating $file, running ${selection[*]}"

    work=mutants/work/$module
    mkdir -p "$work"
    # A fresh copy of the sources and tests; mutmut's own cache (work/mutants) stays,
    # so a re-run only re-tests the mutants of functions that changed.
    rm -rf "$work/src" "$work/tests" "$work/docs"
    cp -r src tests docs README.md "$work/"
    "$PYTHON" - "$work/pyproject.toml" "$file" "${selection[@]}" <<'EOF'
import json, os, re, sys, tomllib
from pathlib import Path

target, module_file, *selection = sys.argv[1:]
text = Path("pyproject.toml").read_text()
config = tomllib.loads(text)["tool"]["mutmut"]
config["only_mutate"] = [module_file]
config["pytest_add_cli_args_test_selection"] = selection
if multiplier := os.environ.get("MUTATION_TIMEOUT_MULTIPLIER"):
    config["timeout_multiplier"] = float(multiplier)
table = "[tool.mutmut]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in config.items())
text = re.sub(r"(?ms)^\[tool\.mutmut\]\n.*?(?=^\[|\Z)", lambda _: table + "\n", text)
Path(target).write_text(text)
EOF
    meta=mutants/src/${module//.//}.py.meta
    # mutants/src must exist before mutmut starts: a folder missing from sys.path at
    # start-up is cached as "no importer", and the tests then import the unmutated
    # package of the editable install (mutmut stops: "no test case for any mutant").
    mkdir -p "$work/mutants/src"
    (
        cd "$work"
        # Child processes the tests start (the CLI, Dask workers) import the mutated
        # package too, not the editable install of the unmutated one.
        export PYTHONPATH="$PWD/mutants/src"
        # The real data sets are not used: too slow for one run per mutant. Hypothesis
        # tests draw 10 examples, not 100, still derandomized (tests/conftest.py).
        export SALESMODEL_DATA="$PWD/no-real-data"
        export HYPOTHESIS_PROFILE=mutation
        # mutmut re-tests only the mutants of changed functions; the mutants that
        # survived an earlier run (or had no test) are re-tested by name, since new
        # tests may kill them. Killed and timed-out mutants keep their verdict.
        again=()
        if [[ -f "$meta" ]]; then
            mapfile -t again < <("$PYTHON" -c 'import json, sys
codes = json.load(open(sys.argv[1]))["exit_code_by_key"]
print("\n".join(k for k, c in codes.items() if c in (0, 5, 33)))' "$meta")
        fi
        "$bin/mutmut" run --max-children "$jobs" > mutmut.log 2>&1 || {
            tail -40 mutmut.log >&2
            exit 1
        }
        if [[ ${#again[@]} -gt 0 && -n "${again[0]}" ]]; then
            "$bin/mutmut" run --max-children "$jobs" "${again[@]}" >> mutmut.log 2>&1 || {
                tail -40 mutmut.log >&2
                exit 1
            }
        fi
        tr '\r' '\n' < mutmut.log | grep -E 'mutations/second|/[0-9]+  ' | tail -2
        "$bin/mutmut" results > survivors.txt 2>&1 || true
    )
    "$PYTHON" - "$work" "$module" "$root/mutants/scores/$module.json" <<'EOF'
import json, sys
from pathlib import Path

work, module, out = sys.argv[1:]
meta = Path(work, "mutants", "src", *module.split(".")[:-1], module.split(".")[-1] + ".py.meta")
codes = json.loads(meta.read_text())["exit_code_by_key"]
status = {1: "killed", 3: "killed", 0: "survived", 5: "no_tests", 33: "no_tests",
          36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout"}
row = dict.fromkeys(["killed", "timeout", "suspicious", "survived", "no_tests", "not_checked"], 0)
for code in codes.values():
    row["not_checked" if code is None else status.get(code, "suspicious")] += 1
row["total"] = len(codes)
row["score"] = (row["killed"] + row["timeout"]) / max(row["total"], 1)
row["module"] = module
Path(out).write_text(json.dumps(row, indent=1))
print(f"   {module}: {row['killed']} killed, {row['timeout']} timeouts, "
      f"{row['suspicious']} suspicious, {row['survived']} survived, "
      f"{row['no_tests']} without a test, of {row['total']}: {row['score']:.1%}")
EOF
    echo "   survivors: $work/survivors.txt (cd $work && mutmut show <name>)"
done
echo
score
