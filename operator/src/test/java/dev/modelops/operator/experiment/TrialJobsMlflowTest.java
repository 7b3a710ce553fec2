package dev.modelops.operator.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.operator.OperatorSettings;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With an MLflow server given to the operator, trial Pods are told where to log themselves. */
class TrialJobsMlflowTest {
  static final OperatorSettings SETTINGS = new OperatorSettings("trainer:test", "server:test", "modelops-artifacts");

  static List<EnvVar> env(OperatorSettings settings) throws Exception {
    Experiment exp = new ObjectMapper(new YAMLFactory()).readValue(Path.of("../examples/churn/experiment.yaml").toFile(), Experiment.class);
    exp.getMetadata().setNamespace("team-a");
    Job job = TrialJobs.build(exp, 2, Map.of("max_depth", "4"), settings);
    return job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
  }

  @Test
  void trialPodsGetTheTrackingUriTheirMlflowExperimentAndTheirRunName() throws Exception {
    List<EnvVar> env = env(SETTINGS.withMlflow("http://mlflow.mlflow.svc:5000"));
    assertThat(env).contains(new EnvVar("MLFLOW_TRACKING_URI", "http://mlflow.mlflow.svc:5000", null),
        new EnvVar("MLFLOW_EXPERIMENT_NAME", "team-a/churn-baseline", null),
        new EnvVar("MODELOPS_TRIAL", "churn-baseline-t2", null));
    assertThat(env(SETTINGS)).noneMatch(e -> e.getName().startsWith("MLFLOW_"));
  }

  @Test
  void aTrackingUriThatIsNotHttpIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> SETTINGS.withMlflow("mlflow:5000"))
        .hasMessageContaining("MODELOPS_MLFLOW_TRACKING_URI is 'mlflow:5000'").hasMessageContaining("http(s) URL");
  }
}
