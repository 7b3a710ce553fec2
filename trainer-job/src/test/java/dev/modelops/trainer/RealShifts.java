package dev.modelops.trainer;

import static org.assertj.core.api.Assertions.fail;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Real shifts of real data for the drift tests: each data set split at random (seed 19) into a
 * reference (60%, the rows the trainer profiles) and a held-out part; the control is the whole
 * held-out part (no shift), the shift is its rows of one slice (one contract type, one
 * neighbourhood, one protocol).
 */
final class RealShifts {
  static final Path REPO = Path.of("..");
  static final double REFERENCE_SHARE = 0.6;

  private RealShifts() {}

  /** A real shift: the held-out rows whose {@code column} is {@code value}. */
  record Shift(String name, Path csv, List<String> numeric, List<String> categorical, String column, String value) {
    /** The declared features, numeric first (the pipeline's order). */
    List<Feature> features() {
      List<Feature> out = new ArrayList<>();
      numeric.forEach(f -> out.add(new Feature(f, FeatureType.NUMERIC)));
      categorical.forEach(f -> out.add(new Feature(f, FeatureType.CATEGORICAL)));
      return out;
    }
  }

  static final List<Shift> SHIFTS = List.of(
      new Shift("telco churn, contract Month-to-month", REPO.resolve("examples/data/telco-churn.csv"),
          List.of("female", "senior_citizen", "partner", "dependents", "tenure", "phone_service", "paperless_billing", "monthly_charges", "total_charges"),
          List.of("multiple_lines", "internet_service", "online_security", "online_backup", "device_protection", "tech_support", "streaming_tv",
              "streaming_movies", "contract", "payment_method"),
          "contract", "Month-to-month"),
      new Shift("ames housing, neighbourhood North_Ames", Fixtures.DATA.resolve("ames-housing.csv"),
          List.of("Lot_Frontage", "Lot_Area", "Year_Built", "Year_Remod_Add", "Mas_Vnr_Area", "BsmtFin_SF_1", "Bsmt_Unf_SF", "Total_Bsmt_SF",
              "First_Flr_SF", "Second_Flr_SF", "Gr_Liv_Area", "Bsmt_Full_Bath", "Full_Bath", "Half_Bath", "Bedroom_AbvGr", "TotRms_AbvGrd",
              "Fireplaces", "Garage_Cars", "Garage_Area", "Wood_Deck_SF", "Open_Porch_SF", "Enclosed_Porch", "Screen_Porch", "Mo_Sold",
              "Year_Sold", "Sale_Price", "Longitude", "Latitude"),
          List.of("MS_Zoning", "Neighborhood", "Bldg_Type", "House_Style", "Overall_Cond", "Exter_Cond", "Foundation", "Heating_QC",
              "Central_Air", "Garage_Type", "Garage_Finish", "Paved_Drive", "Sale_Type", "Sale_Condition"),
          "Neighborhood", "North_Ames"),
      new Shift("hpc jobs, protocol J", Fixtures.DATA.resolve("hpc-jobs.csv"),
          List.of("compounds", "input_fields", "iterations", "num_pending", "hour"), List.of("protocol", "day"), "protocol", "J"));

  /** A data set split for one shift: its header, and the reference, control and shift rows. */
  record Split(Shift shift, List<String> header, List<CSVRecord> reference, List<CSVRecord> control, List<CSVRecord> shifted) {}

  static Split split(Shift s) throws IOException {
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
    List<CSVRecord> control = shuffled.subList(n, shuffled.size());
    return new Split(s, header, shuffled.subList(0, n), control, control.stream().filter(x -> x.get(s.column()).equals(s.value())).toList());
  }

  /** What the trainer keeps of the reference rows for drift: its pipeline and reference profile. */
  record Reference(FeaturePipeline pipeline, ReferenceProfile profile) {
    /** The report of a drift window holding every row of {@code live}, as the model server makes it. */
    DriftReport report(Shift s, List<CSVRecord> live, DriftReport.Thresholds thresholds) {
      RawTable table = table(s.features(), live);
      DriftWindow window = new DriftWindow(pipeline, profile, Math.max(1, table.rows()));
      Object[][] rows = new Object[table.rows()][];
      for (int r = 0; r < rows.length; r++) {
        rows[r] = table.row(r);
      }
      window.recordAll(rows, new double[rows.length]);
      return DriftReport.of(profile, window.snapshot(), thresholds);
    }
  }

  /** The trainer's profile of the reference rows, with the Experiment defaults (categories seen fewer than 5 times are "other"). */
  static Reference reference(Split split) {
    RawTable train = table(split.shift().features(), split.reference());
    FeaturePipeline pipeline = PipelineFitter.fit(train, new PipelineFitter.Options(5, 1, 2, 20000, 2));
    return new Reference(pipeline, ProfileBuilder.build(train, pipeline, new double[0]));
  }

  /** The declared columns of {@code rows}; empty cells and NA are missing, as the trainer reads them. */
  static RawTable table(List<Feature> features, List<CSVRecord> rows) {
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
}
