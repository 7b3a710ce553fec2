package dev.modelops.trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Experiment files for tests, pointing at the real datasets in examples/data. */
final class Fixtures {
  static final Path DATA = Path.of("../examples/data").toAbsolutePath().normalize();

  private Fixtures() {}

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

  static Path write(Path dir, String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }
}
