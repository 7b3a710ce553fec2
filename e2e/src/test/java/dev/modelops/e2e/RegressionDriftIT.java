package dev.modelops.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.api.v1alpha1.DriftPolicySpec;
import dev.modelops.api.v1alpha1.DriftPolicyStatus.Band;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.api.v1alpha1.ModelVersionSpec;
import dev.modelops.operator.drift.ModelServerSource;
import dev.modelops.operator.drift.Observation;
import dev.modelops.operator.drift.PolicyEvaluation;
import dev.modelops.testing.Cluster;
import dev.modelops.testing.KubeExtension;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.Reader;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A regression model's live error, from a real model server to a DriftPolicy check: the house-prices
 * example trained by the real trainer, served by a real model server (a Pod on a real API server
 * pointing at it), told the true sale prices of what it predicted; the operator's model-server
 * source reads the summed errors and the policy's liveMae and liveRmse checks equal the errors
 * computed from the answers.
 */
class RegressionDriftIT {
  static final String NS = "regress";
  @TempDir static Path tmp;

  @RegisterExtension
  static final KubeExtension kube = KubeExtension.withCrds(Path.of("../crds")).namespaces(NS);

  @Test
  void liveErrorsOfTheServedRegressionModelReachThePolicysChecks() throws Exception {
    Path bundle = ModelServerProcess.train(tmp.resolve("house-prices"), Path.of("../examples/house-prices/experiment.yaml"),
        Path.of("../examples"), "max_depth=4");
    List<Map<String, Object>> records = ModelServerProcess.records(bundle, Path.of("../examples/data/ames-housing.csv"));
    List<Double> prices = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(Path.of("../examples/data/ames-housing.csv"))) {
      for (CSVRecord rec : CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
        prices.add(Double.parseDouble(rec.get("Sale_Price")));
      }
    }
    KubernetesClient client = kube.client();
    try (ModelServerProcess server = ModelServerProcess.start(bundle, tmp, Map.of())) {
      ModelVersion mv = new ModelVersion();
      mv.getMetadata().setName("house-prices-v1");
      mv.getMetadata().setNamespace(NS);
      ModelVersionSpec spec = new ModelVersionSpec();
      spec.setModel("house-prices");
      spec.setVersion(1);
      ModelVersionSpec.Artifact a = new ModelVersionSpec.Artifact();
      a.setUri(bundle.toString());
      spec.setArtifact(a);
      spec.setStage(ModelVersionSpec.Stage.Production);
      mv.setSpec(spec);
      mv = client.resource(mv).create();
      Cluster.runPod(client, NS, "house-prices-v1-a", Map.of("modelops.dev/model", "house-prices", "modelops.dev/version", "1"), "model-server",
          "server:test", server.port);

      List<JsonNode> answers = server.answers(records.subList(0, 400));
      double abs = 0;
      double squared = 0;
      List<Map<String, Object>> labels = new ArrayList<>();
      for (int i = 0; i < answers.size(); i++) {
        double error = answers.get(i).path("value").asDouble() - prices.get(i);
        abs += Math.abs(error);
        squared += error * error;
        labels.add(Map.of("id", answers.get(i).path("id").asText(), "label", prices.get(i)));
      }
      assertThat(server.feedback(labels)).isEqualTo(400);

      DriftPolicy policy = new DriftPolicy();
      policy.getMetadata().setName("house-prices-error");
      policy.getMetadata().setNamespace(NS);
      DriftPolicySpec ps = new DriftPolicySpec();
      ps.setModel("house-prices");
      policy.setSpec(ps);
      Observation o = new ModelServerSource(client, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()).observe(policy, mv);
      assertThat(o.feedback()).isEqualTo(400);
      DriftPolicySpec.Check mae = new DriftPolicySpec.Check();
      mae.setMetric(DriftPolicySpec.CheckMetric.liveMae);
      mae.setWarn(1_000.0);
      DriftPolicySpec.Check rmse = new DriftPolicySpec.Check();
      rmse.setMetric(DriftPolicySpec.CheckMetric.liveRmse);
      rmse.setRetrain(1_000_000.0);
      List<PolicyEvaluation.Outcome> out = PolicyEvaluation.evaluate(List.of(mae, rmse), 300, o, Instant.now(), Instant.now());
      System.out.printf("regression live error on 400 labelled houses: MAE %.0f, RMSE %.0f%n", out.get(0).value(), out.get(1).value());
      assertThat(out.get(0).value()).isCloseTo(abs / 400, within(1e-6 * abs / 400));
      assertThat(out.get(1).value()).isCloseTo(Math.sqrt(squared / 400), within(1e-6 * Math.sqrt(squared / 400)));
      assertThat(out.get(0).band()).as("an error of thousands of dollars is over a warn band of 1,000").isEqualTo(Band.Warn);
      assertThat(out.get(1).band()).isEqualTo(Band.Ok);
    }
  }
}
