package dev.modelops.trainer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Experiment files for tests, pointing at the real datasets in examples/data. */
final class Fixtures {
  static final Path DATA = Path.of("../examples/data").toAbsolutePath().normalize();

  private Fixtures() {}

  /** What an in-process run of the trainer printed and returned. */
  record Run(int code, String stdout, String stderr) {}

  /** Runs the trainer in-process, as {@code trainer-job ARGS} would. */
  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = TrainerMain.run(args, new PrintStream(out, true), new PrintStream(err, true));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** Runs the trainer as its own process, as a Job does, in {@code dir} with the given environment. */
  static Process launch(Path dir, Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
        TrainerMain.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    pb.environment().putAll(env);
    return pb.start();
  }

  static String churn(String dataUri, String extra) {
    return """
        apiVersion: modelops.dev/v1alpha1
        kind: Experiment
        metadata:
          name: churn-test
        spec:
          model: churn
          dataset:
            uri: %s
            label: churn
            positiveClass: "Yes"
            validationSplit: 0.2
            seed: 7
            features:
              numeric: [tenure, monthly_charges, total_charges, senior_citizen]
              categorical: [contract, internet_service, payment_method, tech_support]
          algorithm:
            name: xgboost
            params:
              num_round: 60
          search:
            maxTrials: 4
            parameters:
              - name: max_depth
                type: int
                min: 2
                max: 6
              - name: eta
                type: double
                min: 0.01
                max: 0.5
              - name: booster
                type: categorical
                values: [gbtree, dart]
          objective:
            metric: roc_auc
        %s
        """.formatted(dataUri, extra);
  }

  static String sentiment(String extra) {
    return """
        spec:
          model: sentiment
          dataset:
            uri: %s
            label: label
            positiveClass: "1"
            seed: 3
            features:
              text: [text]
              textOptions: {ngramMin: 1, ngramMax: 2, maxVocabulary: 20000, minDocumentFrequency: 1}
          algorithm:
            params: {booster: gblinear, num_round: 300, eta: 0.3, lambda: 0}
          search:
            maxTrials: 1
          objective:
            metric: roc_auc
        %s
        """.formatted(DATA.resolve("review-sentiment.csv"), extra);
  }

  /** A regression of the Ames sale prices on every other column of the file. */
  static String ames(String objective, String metric, String params) {
    return """
        spec:
          model: ames
          dataset:
            uri: %s
            label: Sale_Price
            seed: 11
            features:
              numeric: [Lot_Frontage, Lot_Area, Year_Built, Year_Remod_Add, Mas_Vnr_Area, BsmtFin_SF_1, Bsmt_Unf_SF, Total_Bsmt_SF,
                First_Flr_SF, Second_Flr_SF, Gr_Liv_Area, Bsmt_Full_Bath, Full_Bath, Half_Bath, Bedroom_AbvGr, TotRms_AbvGrd, Fireplaces,
                Garage_Cars, Garage_Area, Wood_Deck_SF, Open_Porch_SF, Enclosed_Porch, Screen_Porch, Mo_Sold, Year_Sold, Longitude, Latitude]
              categorical: [MS_Zoning, Neighborhood, Bldg_Type, House_Style, Overall_Cond, Exter_Cond, Foundation, Heating_QC, Central_Air,
                Garage_Type, Garage_Finish, Paved_Drive, Sale_Type, Sale_Condition]
          algorithm:
            objective: %s
            params: {%s}
          objective:
            metric: %s
            goal: minimize
        """.formatted(DATA.resolve("ames-housing.csv"), objective, params, metric);
  }

  /** The four run-time classes of the HPC jobs. */
  static String hpc(String params) {
    return """
        spec:
          model: hpc
          dataset:
            uri: %s
            label: class
            seed: 5
            features:
              numeric: [compounds, input_fields, iterations, num_pending, hour]
              categorical: [protocol, day]
          algorithm:
            objective: multi:softprob
            params: {%s}
          objective:
            metric: macro_f1
        """.formatted(DATA.resolve("hpc-jobs.csv"), params);
  }

  static Path write(Path dir, String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }
}
