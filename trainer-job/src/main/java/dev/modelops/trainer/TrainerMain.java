package dev.modelops.trainer;

import dev.modelops.api.v1alpha1.ExperimentSpec;
import dev.modelops.bundle.StorageLocation;
import dev.modelops.bundle.TrialResult;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The trial program: {@code trainer-job --experiment FILE [--param name=value ...] --output DIR}.
 * Prints one JSON result as the last line on stdout (and into the termination log) and exits
 * 0 on success, 2 when the input must be fixed, 1 on any other failure.
 */
@Command(
    name = "trainer-job",
    mixinStandardHelpOptions = true,
    description = "Trains, evaluates and packages one trial of a modelops Experiment.")
public final class TrainerMain implements Callable<Integer> {
  static final int EXIT_BAD_INPUT = 2;
  static final int EXIT_ERROR = 1;

  @Option(names = "--experiment", description = "The Experiment (YAML or JSON, whole or just its spec). Default: the MODELOPS_EXPERIMENT environment variable.")
  Path experiment;

  @Option(names = "--param", description = "One searched hyperparameter of this trial, name=value; repeatable.")
  Map<String, String> params = new LinkedHashMap<>();

  @Option(names = "--output", required = true, description = "Where to write the bundle: a path, file://, pvc://claim/path or s3://bucket/prefix (S3 is configured by the AWS_* variables).")
  String output;

  @Option(names = "--export-split", description = "Also write the validation rows' 0-based data row numbers to this file, one per line (for comparing other learners on the same split).")
  Path exportSplit;

  private final PrintStream out;
  private final PrintStream err;
  private final Path pvcRoot;
  private final TrialTracking tracking;

  TrainerMain(PrintStream out, PrintStream err, Path pvcRoot, Map<String, String> env) {
    this.out = out;
    this.err = err;
    this.pvcRoot = pvcRoot;
    this.tracking = new TrialTracking(env);
  }

  public static void main(String[] args) {
    // The trainer's own messages are its result line and "error:" lines; libraries (the AWS SDK)
    // say only warnings and errors, on stderr. Set here, not in a properties file, so that the
    // trainer on another program's classpath (a test) leaves that program's logging alone.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
    System.setProperty("org.slf4j.simpleLogger.logFile", System.getProperty("org.slf4j.simpleLogger.logFile", "System.err"));
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the trainer in-process; returns the exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, StorageLocation.pvcRoot());
  }

  /**
   * Runs the trainer in-process with claims ({@code pvc://claim/path}) under {@code pvcRoot} instead
   * of MODELOPS_PVC_ROOT, for this run only; returns the exit code.
   */
  public static int run(String[] args, PrintStream out, PrintStream err, Path pvcRoot) {
    return run(args, out, err, pvcRoot, System.getenv());
  }

  /**
   * The same, with {@code env} standing for the environment's MLFLOW_TRACKING_URI,
   * MLFLOW_EXPERIMENT_NAME and MODELOPS_TRIAL (where the trial is logged; nowhere without the URI).
   */
  public static int run(String[] args, PrintStream out, PrintStream err, Path pvcRoot, Map<String, String> env) {
    CommandLine cli = new CommandLine(new TrainerMain(out, err, pvcRoot, env));
    cli.setOut(new java.io.PrintWriter(out, true));
    cli.setErr(new java.io.PrintWriter(err, true));
    cli.setParameterExceptionHandler((e, a) -> {
      err.println("error: " + e.getMessage() + " (see --help)");
      report(TrialResult.failed("BadParameter", e.getMessage() + " (see --help)"), out, err);
      return EXIT_BAD_INPUT;
    });
    return cli.execute(args);
  }

  @Override
  public Integer call() {
    long start = System.currentTimeMillis();
    try {
      ExperimentSpec spec;
      Path dir;
      if (experiment != null) {
        spec = ExperimentLoader.read(experiment);
        dir = experiment.toAbsolutePath().getParent();
      } else {
        String env = System.getenv("MODELOPS_EXPERIMENT");
        if (env == null || env.isBlank()) {
          throw new TrainerInputException(TrainerInputException.Reason.BadSpec, "no Experiment given: pass --experiment FILE or set MODELOPS_EXPERIMENT");
        }
        spec = ExperimentLoader.parse(env, "MODELOPS_EXPERIMENT");
        dir = Path.of("").toAbsolutePath();
      }
      Trial.Outcome o = Trial.run(spec, dir, params, output, pvcRoot);
      if (exportSplit != null) {
        StringBuilder rows = new StringBuilder();
        for (int r : o.validationRows()) {
          rows.append(r).append('\n');
        }
        Files.writeString(exportSplit, rows);
      }
      TrialTracking.Logged logged = tracking.succeeded(o, start);
      logged.problem().ifPresent(p -> err.println("warning: " + p));
      report(TrialResult.succeeded(o.objective(), o.metrics(), o.confusion(), o.classMetrics(), o.bundleUri(), o.params(), o.timings())
          .withMessage(logged.problem().orElse(null)));
      return 0;
    } catch (TrainerInputException e) {
      err.println("error: " + e.getMessage());
      tracking.failed(params, e.reason().name(), e.getMessage(), start).problem().ifPresent(p -> err.println("warning: " + p));
      report(TrialResult.failed(e.reason().name(), e.getMessage()));
      return EXIT_BAD_INPUT;
    } catch (java.io.IOException e) {
      err.println("error: cannot write --export-split " + exportSplit + ": " + e.getMessage());
      report(TrialResult.failed("BadOutput", "cannot write --export-split: " + e.getMessage()));
      return EXIT_BAD_INPUT;
    } catch (RuntimeException | OutOfMemoryError e) {
      String message = e.getClass().getSimpleName() + ": " + ExperimentLoader.firstLine(e.getMessage());
      err.println("error: " + message);
      tracking.failed(params, "TrainerError", message, start).problem().ifPresent(p -> err.println("warning: " + p));
      report(TrialResult.failed("TrainerError", message));
      return EXIT_ERROR;
    }
  }

  /** The last line on stdout, and the termination message Kubernetes shows in the pod status. */
  private void report(TrialResult result) {
    report(result, out, err);
  }

  private static void report(TrialResult result, PrintStream out, PrintStream err) {
    String line = result.toLine();
    out.println(line);
    out.flush();
    String log = System.getProperty("modelops.terminationLog", System.getenv().getOrDefault("MODELOPS_TERMINATION_LOG", "/dev/termination-log"));
    Path path = Path.of(log);
    if (Files.isWritable(path) || (!Files.exists(path) && path.getParent() != null && Files.isWritable(path.getParent()) && !log.startsWith("/dev/"))) {
      try {
        Files.write(path, line.getBytes(StandardCharsets.UTF_8));
      } catch (Exception e) {
        err.println("warning: cannot write the termination message to " + log + ": " + e.getMessage());
      }
    }
  }
}
