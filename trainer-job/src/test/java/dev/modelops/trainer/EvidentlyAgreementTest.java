package dev.modelops.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.bundle.drift.DriftReport;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The model server's per-feature drift verdicts (the trainer's reference profile, a drift window
 * of the live rows, {@link DriftReport#of} with default thresholds) against Evidently's
 * DataDriftPreset defaults, on real shifts of real data and on their no-shift controls.
 *
 * <p>The data sets are split as {@link RealShifts} says; on the control (no shift) any flag is a
 * false alarm. The verdicts must agree on at least 95% of the shifted features, leaving out those Evidently
 * flags on the control (its false alarms), and the server must flag nothing on the controls.
 *
 * <p>Evidently runs in the virtualenv {@code tools/evidently/evidently-venv.sh} makes. Without it
 * the test is skipped, unless MODELOPS_REQUIRE_EVIDENTLY is set (CI sets it once the script
 * succeeded): then a missing virtualenv fails. The comparison table is written to
 * target/evidently/agreement.md.
 */
class EvidentlyAgreementTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double MIN_AGREEMENT = 0.95;

  /** One feature's two verdicts on one current set. */
  record Verdict(String shift, String feature, boolean control, String statistic, double score, boolean drifted,
      String evidentlyMethod, double evidentlyScore, boolean evidentlyDrifted) {}

  @Test
  void theServersVerdictsAgreeWithEvidentlysOnRealShifts() throws Exception {
    Path python = evidentlyPython();
    Path out = Path.of("target/evidently");
    Files.createDirectories(out);
    List<Verdict> verdicts = new ArrayList<>();
    for (RealShifts.Shift s : RealShifts.SHIFTS) {
      verdicts.addAll(compare(RealShifts.split(s), python, out.resolve(s.column() + "-" + s.value())));
    }

    List<Verdict> controlFlags = verdicts.stream().filter(v -> v.control() && v.drifted()).toList();
    List<String> evidentlyFalseAlarms = verdicts.stream().filter(v -> v.control() && v.evidentlyDrifted()).map(v -> v.shift() + "/" + v.feature()).toList();
    List<Verdict> compared = verdicts.stream().filter(v -> !v.control() && !evidentlyFalseAlarms.contains(v.shift() + "/" + v.feature())).toList();
    List<Verdict> disagreements = compared.stream().filter(v -> v.drifted() != v.evidentlyDrifted()).toList();
    double agreement = 1 - (double) disagreements.size() / compared.size();
    String table = table(verdicts, compared.size(), disagreements.size(), agreement, evidentlyFalseAlarms);
    Files.writeString(out.resolve("agreement.md"), table);
    System.out.println(table);

    assertThat(controlFlags).as("features the server flags on a no-shift control (false alarms)").isEmpty();
    assertThat(agreement).as("share of shifted features on which the server and Evidently agree; disagreements: %s", disagreements)
        .isGreaterThanOrEqualTo(MIN_AGREEMENT);
    assertThat(compared.stream().filter(Verdict::evidentlyDrifted)).as("the shifts are real: Evidently sees drift").isNotEmpty();
  }

  /** The venv's python, or a skip (MODELOPS_REQUIRE_EVIDENTLY unset) or failure (set) when it is missing. */
  private static Path evidentlyPython() {
    String venv = System.getenv("MODELOPS_EVIDENTLY_VENV");
    Path python = (venv != null ? Path.of(venv) : Path.of(System.getProperty("user.home"), ".cache/modelops/evidently-venv")).resolve("bin/python");
    if (!Files.isExecutable(python)) {
      if (System.getenv("MODELOPS_REQUIRE_EVIDENTLY") != null) {
        fail("MODELOPS_REQUIRE_EVIDENTLY is set but " + python + " is missing: run tools/evidently/evidently-venv.sh");
      }
      Assumptions.abort("no Evidently virtualenv at " + python + " (tools/evidently/evidently-venv.sh makes it)");
    }
    return python;
  }

  private static List<Verdict> compare(RealShifts.Split split, Path python, Path dir) throws IOException, InterruptedException {
    RealShifts.Shift s = split.shift();
    Files.createDirectories(dir);
    write(dir.resolve("reference.csv"), split.header(), split.reference());
    write(dir.resolve("control.csv"), split.header(), split.control());
    write(dir.resolve("shift.csv"), split.header(), split.shifted());
    JsonNode evidently = evidently(python, s, dir);
    RealShifts.Reference reference = RealShifts.reference(split);
    List<Verdict> out = new ArrayList<>();
    out.addAll(verdicts(s, true, reference.report(s, split.control(), DriftReport.Thresholds.defaults()), evidently.path("currents").get(0)));
    out.addAll(verdicts(s, false, reference.report(s, split.shifted(), DriftReport.Thresholds.defaults()), evidently.path("currents").get(1)));
    return out;
  }

  private static List<Verdict> verdicts(RealShifts.Shift s, boolean control, DriftReport report, JsonNode evidently) {
    List<Verdict> out = new ArrayList<>();
    for (DriftReport.FeatureDrift f : report.features()) {
      JsonNode e = evidently.path(f.name());
      if (e.isMissingNode()) {
        fail("Evidently gave no verdict on " + f.name() + " of " + s.name());
      }
      out.add(new Verdict(s.name(), f.name(), control, f.statistic(), f.score(), f.drifted(),
          e.path("method").asText(), e.path("score").asDouble(), e.path("drifted").asBoolean()));
    }
    return out;
  }

  private static JsonNode evidently(Path python, RealShifts.Shift s, Path dir) throws IOException, InterruptedException {
    Path json = dir.resolve("evidently.json");
    Path log = dir.resolve("evidently.log");
    Process p = new ProcessBuilder(python.toString(), RealShifts.REPO.resolve("tools/evidently/verdicts.py").toString(),
        dir.resolve("reference.csv").toString(), dir.resolve("control.csv").toString(), dir.resolve("shift.csv").toString(),
        "--numeric", String.join(",", s.numeric()), "--categorical", String.join(",", s.categorical()))
        .redirectOutput(json.toFile()).redirectError(log.toFile()).start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      fail("Evidently took over 5 minutes on " + s.name());
    }
    if (p.exitValue() != 0) {
      fail("Evidently failed on " + s.name() + " (exit " + p.exitValue() + "): " + Files.readString(log));
    }
    return JSON.readTree(json.toFile());
  }

  private static void write(Path file, List<String> header, List<CSVRecord> rows) throws IOException {
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        CSVPrinter p = new CSVPrinter(w, CSVFormat.DEFAULT.builder().setHeader(header.toArray(String[]::new)).get())) {
      for (CSVRecord r : rows) {
        p.printRecord(r.values());
      }
    }
  }

  private static String table(List<Verdict> verdicts, int compared, int disagreements, double agreement, List<String> evidentlyFalseAlarms) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "agreement on shifted features: %d of %d (%.1f%%); Evidently's false alarms on the controls, left out: %s; "
        + "server flags on the controls: %d%n%n", compared - disagreements, compared, 100 * agreement, evidentlyFalseAlarms,
        verdicts.stream().filter(v -> v.control() && v.drifted()).count()));
    b.append("| shift | set | feature | server statistic | server score | server | Evidently method | Evidently score | Evidently |\n");
    b.append("|---|---|---|---|---|---|---|---|---|\n");
    for (Verdict v : verdicts) {
      b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.4f | %s | %s | %.4f | %s |%n", v.shift(), v.control() ? "control" : "shift",
          v.feature(), v.statistic(), v.score(), v.drifted() ? "drift" : "-", v.evidentlyMethod(), v.evidentlyScore(),
          v.evidentlyDrifted() ? "drift" : "-"));
    }
    return b.toString();
  }
}
