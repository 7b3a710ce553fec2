package dev.modelops.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.bundle.Feature;
import dev.modelops.bundle.FeaturePipeline;
import dev.modelops.bundle.FeatureType;
import dev.modelops.bundle.PipelineFitter;
import dev.modelops.bundle.ProfileBuilder;
import dev.modelops.bundle.RawTable;
import dev.modelops.bundle.ReferenceProfile;
import dev.modelops.bundle.drift.DriftReport;
import dev.modelops.bundle.drift.DriftWindow;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The model server's per-feature drift verdicts (the trainer's reference profile, a drift window
 * of the live rows, {@link DriftReport#of} with default thresholds) against Evidently's
 * DataDriftPreset defaults, on real shifts of real data and on their no-shift controls.
 *
 * <p>Each data set is split at random: 60% is the reference (the training data), the rest is
 * held out. The control is the whole held-out part (no shift: any flag is a false alarm); the
 * shift is the held-out rows of one slice (one contract type, one neighbourhood, one protocol).
 * The verdicts must agree on at least 95% of the shifted features, leaving out those Evidently
 * flags on the control (its false alarms), and the server must flag nothing on the controls.
 *
 * <p>Evidently runs in the virtualenv {@code tools/evidently/evidently-venv.sh} makes. Without it
 * the test is skipped, unless MODELOPS_REQUIRE_EVIDENTLY is set (CI sets it once the script
 * succeeded): then a missing virtualenv fails. The comparison table is written to
 * target/evidently/agreement.md.
 */
class EvidentlyAgreementTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path REPO = Path.of("..");
  private static final double REFERENCE_SHARE = 0.6;
  private static final double MIN_AGREEMENT = 0.95;

  /** A real shift: the held-out rows whose {@code column} is {@code value}. */
  record Shift(String name, Path csv, List<String> numeric, List<String> categorical, String column, String value) {}

  static final List<Shift> SHIFTS = List.of(
      new Shift("telco churn, contract Month-to-month", REPO.resolve("examples/data/telco-churn.csv"),
          List.of("female", "senior_citizen", "partner", "dependents", "tenure", "phone_service", "paperless_billing", "monthly_charges", "total_charges"),
          List.of("multiple_lines", "internet_service", "online_security", "online_backup", "device_protection", "tech_support", "streaming_tv",
              "streaming_movies", "contract", "payment_method"),
          "contract", "Month-to-month"),
      new Shift("ames housing, neighbourhood North_Ames", Path.of("src/test/resources/drift/ames-housing.csv"),
          List.of("Lot_Frontage", "Lot_Area", "Year_Built", "Year_Remod_Add", "Mas_Vnr_Area", "BsmtFin_SF_1", "Bsmt_Unf_SF", "Total_Bsmt_SF",
              "First_Flr_SF", "Second_Flr_SF", "Gr_Liv_Area", "Bsmt_Full_Bath", "Full_Bath", "Half_Bath", "Bedroom_AbvGr", "TotRms_AbvGrd",
              "Fireplaces", "Garage_Cars", "Garage_Area", "Wood_Deck_SF", "Open_Porch_SF", "Enclosed_Porch", "Screen_Porch", "Mo_Sold",
              "Year_Sold", "Sale_Price", "Longitude", "Latitude"),
          List.of("MS_Zoning", "Neighborhood", "Bldg_Type", "House_Style", "Overall_Cond", "Exter_Cond", "Foundation", "Heating_QC",
              "Central_Air", "Garage_Type", "Garage_Finish", "Paved_Drive", "Sale_Type", "Sale_Condition"),
          "Neighborhood", "North_Ames"),
      new Shift("hpc jobs, protocol J", Path.of("src/test/resources/drift/hpc-jobs.csv"),
          List.of("compounds", "input_fields", "iterations", "num_pending", "hour"), List.of("protocol", "day"), "protocol", "J"));

  /** One feature's two verdicts on one current set. */
  record Verdict(String shift, String feature, boolean control, String statistic, double score, boolean drifted,
      String evidentlyMethod, double evidentlyScore, boolean evidentlyDrifted) {}

  @Test
  void theServersVerdictsAgreeWithEvidentlysOnRealShifts() throws Exception {
    Path python = evidentlyPython();
    Path out = Path.of("target/evidently");
    Files.createDirectories(out);
    List<Verdict> verdicts = new ArrayList<>();
    for (Shift s : SHIFTS) {
      verdicts.addAll(compare(s, python, out.resolve(s.column() + "-" + s.value())));
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

  private static List<Verdict> compare(Shift s, Path python, Path dir) throws IOException, InterruptedException {
    if (!Files.isRegularFile(s.csv())) {
      fail("the data of the shift " + s.name() + " is missing: " + s.csv().toAbsolutePath());
    }
    List<String> header;
    List<CSVRecord> rows;
    try (Reader r = Files.newBufferedReader(s.csv(), StandardCharsets.UTF_8);
        CSVParser p = CSVParser.parse(r, CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get())) {
      header = p.getHeaderNames();
      rows = p.getRecords();
    }
    List<CSVRecord> shuffled = new ArrayList<>(rows);
    Collections.shuffle(shuffled, new Random(19));
    int n = (int) Math.round(REFERENCE_SHARE * shuffled.size());
    List<CSVRecord> reference = shuffled.subList(0, n);
    List<CSVRecord> control = shuffled.subList(n, shuffled.size());
    List<CSVRecord> shift = control.stream().filter(x -> x.get(s.column()).equals(s.value())).toList();
    Files.createDirectories(dir);
    write(dir.resolve("reference.csv"), header, reference);
    write(dir.resolve("control.csv"), header, control);
    write(dir.resolve("shift.csv"), header, shift);

    JsonNode evidently = evidently(python, s, dir);
    List<Feature> features = new ArrayList<>();
    s.numeric().forEach(f -> features.add(new Feature(f, FeatureType.NUMERIC)));
    s.categorical().forEach(f -> features.add(new Feature(f, FeatureType.CATEGORICAL)));
    RawTable train = table(features, reference);
    // the trainer's defaults (ExperimentSpec): categories seen fewer than 5 times are "other"
    FeaturePipeline pipeline = PipelineFitter.fit(train, new PipelineFitter.Options(5, 1, 2, 20000, 2));
    ReferenceProfile profile = ProfileBuilder.build(train, pipeline, new double[0]);
    List<Verdict> out = new ArrayList<>();
    out.addAll(verdicts(s, true, report(pipeline, profile, table(features, control)), evidently.path("currents").get(0)));
    out.addAll(verdicts(s, false, report(pipeline, profile, table(features, shift)), evidently.path("currents").get(1)));
    return out;
  }

  private static List<Verdict> verdicts(Shift s, boolean control, DriftReport report, JsonNode evidently) {
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

  /** The report of a drift window holding {@code live} (every row), as the model server makes it. */
  private static DriftReport report(FeaturePipeline pipeline, ReferenceProfile profile, RawTable live) {
    DriftWindow window = new DriftWindow(pipeline, profile, live.rows());
    Object[][] rows = new Object[live.rows()][];
    for (int r = 0; r < rows.length; r++) {
      rows[r] = live.row(r);
    }
    window.recordAll(rows, new double[rows.length]);
    return DriftReport.of(profile, window.snapshot(), DriftReport.Thresholds.defaults());
  }

  private static JsonNode evidently(Path python, Shift s, Path dir) throws IOException, InterruptedException {
    Path json = dir.resolve("evidently.json");
    Path log = dir.resolve("evidently.log");
    Process p = new ProcessBuilder(python.toString(), REPO.resolve("tools/evidently/verdicts.py").toString(),
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

  /** The declared columns of {@code rows}; empty cells and NA are missing, as the trainer reads them. */
  private static RawTable table(List<Feature> features, List<CSVRecord> rows) {
    Object[] columns = new Object[features.size()];
    for (int f = 0; f < features.size(); f++) {
      String name = features.get(f).name();
      if (features.get(f).type() == FeatureType.NUMERIC) {
        double[] c = new double[rows.size()];
        for (int r = 0; r < c.length; r++) {
          String v = rows.get(r).get(name);
          try {
            c[r] = missing(v) ? Double.NaN : Double.parseDouble(v.trim());
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("column " + name + " row " + (r + 1) + ": '" + v + "' is not a number (numeric columns hold numbers, empty or NA)", e);
          }
        }
        columns[f] = c;
      } else {
        String[] c = new String[rows.size()];
        for (int r = 0; r < c.length; r++) {
          String v = rows.get(r).get(name);
          c[r] = missing(v) ? null : v;
        }
        columns[f] = c;
      }
    }
    return new RawTable(features, columns, rows.size());
  }

  private static boolean missing(String v) {
    return v == null || v.isEmpty() || v.equals("NA");
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
