package dev.modelops.operator;

import java.util.LinkedHashMap;
import java.util.Map;

/** The labels on everything the operator creates, so Argo CD and kubectl can group them. */
public final class Labels {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  /**
   * The object an operator-made object belongs to (a ModelVersion's, an Experiment's or a model's
   * name). Not {@code app.kubernetes.io/instance}: Argo CD tracks the resources of an Application
   * by that label, so a Service labelled with a model named like an Application would be taken for
   * one of its resources, shown OutOfSync and pruned.
   */
  public static final String INSTANCE = "modelops.dev/instance";
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String EXPERIMENT = "modelops.dev/experiment";
  public static final String TRIAL = "modelops.dev/trial";
  public static final String MODEL = "modelops.dev/model";
  public static final String VERSION = "modelops.dev/version";
  /** On retraining Experiments and the versions they register: the DriftPolicy that started them. */
  public static final String DRIFT_POLICY = "modelops.dev/drift-policy";
  /** On retraining Experiments: their number among the policy's retrains (1, 2, ...). */
  public static final String RETRAIN_INDEX = "modelops.dev/retrain-index";
  /** An annotation on retraining Experiments and the versions they register: the version retrained. */
  public static final String RETRAIN_OF = "modelops.dev/retrain-of";

  private Labels() {}

  public static Map<String, String> of(String component, String model, String instance) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("app.kubernetes.io/name", "modelops");
    m.put(INSTANCE, instance);
    m.put(COMPONENT, component);
    m.put("app.kubernetes.io/part-of", model);
    m.put(MANAGED_BY, "modelops-operator");
    m.put(MODEL, model);
    return m;
  }
}
