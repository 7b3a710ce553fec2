package dev.modelops.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.api.v1alpha1.ExperimentSpec;
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
  static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--experiment", description = "The Experiment (YAML or JSON, whole or just its spec). Default: the MODELOPS_EXPERIMENT environment variable.")
  Path experiment;

  @Option(names = "--param", description = "One searched hyperparameter of this trial, name=value; repeatable.")
  Map<String, String> params = new LinkedHashMap<>();

  @Option(names = "--output", required = true, description = "Where to write the bundle: a path, file:// or pvc://claim/path.")
  String output;

  @Option(names = "--export-split", description = "Also write the validation rows' 0-based data row numbers to this file, one per line (for comparing other learners on the same split).")
  Path exportSplit;

  private final PrintStream out;
  private final PrintStream err;

  TrainerMain(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the trainer in-process; returns the exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    CommandLine cli = new CommandLine(new TrainerMain(out, err));
    cli.setOut(new java.io.PrintWriter(out, true));
    cli.setErr(new java.io.PrintWriter(err, true));
    cli.setParameterExceptionHandler((e, a) -> {
      err.println("error: " + e.getMessage() + " (see --help)");
      report(failure("BadParameter", e.getMessage() + " (see --help)"), out, err);
      return EXIT_BAD_INPUT;
    });
    return cli.execute(args);
  }

  @Override
  public Integer call() {
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
      Trial.Outcome o = Trial.run(spec, dir, params, output);
      if (exportSplit != null) {
        StringBuilder rows = new StringBuilder();
        for (int r : o.validationRows()) {
          rows.append(r).append('\n');
        }
        Files.writeString(exportSplit, rows);
      }
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("status", "Succeeded");
      result.put("objective", o.objective());
      result.put("metrics", o.metrics());
      result.put("confusion", o.confusion());
      result.put("bundleUri", o.bundleUri());
      result.put("params", o.params());
      result.put("timings", o.timings());
      report(result);
      return 0;
    } catch (TrainerInputException e) {
      err.println("error: " + e.getMessage());
      report(failure(e.reason().name(), e.getMessage()));
      return EXIT_BAD_INPUT;
    } catch (java.io.IOException e) {
      err.println("error: cannot write --export-split " + exportSplit + ": " + e.getMessage());
      report(failure("BadOutput", "cannot write --export-split: " + e.getMessage()));
      return EXIT_BAD_INPUT;
    } catch (RuntimeException | OutOfMemoryError e) {
      String message = e.getClass().getSimpleName() + ": " + ExperimentLoader.firstLine(e.getMessage());
      err.println("error: " + message);
      report(failure("TrainerError", message));
      return EXIT_ERROR;
    }
  }

  private static Map<String, Object> failure(String reason, String message) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("status", "Failed");
    result.put("reason", reason);
    result.put("message", message.length() > 3000 ? message.substring(0, 3000) + "..." : message);
    return result;
  }

  /** Kubernetes keeps at most 4096 bytes of a termination message; the result must fit whole. */
  static final int MAX_RESULT_BYTES = 4000;

  /**
   * The result as one JSON line of at most {@link #MAX_RESULT_BYTES}: when the parameters (which
   * the Experiment can make arbitrarily long) do not fit, they are left to the bundle manifest;
   * a failure message is shortened. Truncating the bytes instead would leave invalid JSON.
   */
  static String render(Map<String, Object> result) {
    try {
      String line = JSON.writeValueAsString(result);
      if (line.getBytes(StandardCharsets.UTF_8).length <= MAX_RESULT_BYTES) {
        return line;
      }
      Map<String, Object> smaller = new LinkedHashMap<>(result);
      if (smaller.remove("params") != null) {
        smaller.put("paramsOmitted", "too long for the termination message; see the bundle's manifest.json");
      }
      if (smaller.get("message") instanceof String m) {
        smaller.put("message", m.substring(0, Math.min(m.length(), 1000)) + (m.length() > 1000 ? "..." : ""));
      }
      line = JSON.writeValueAsString(smaller);
      if (line.getBytes(StandardCharsets.UTF_8).length <= MAX_RESULT_BYTES) {
        return line;
      }
    } catch (Exception e) {
      // fall through to the fixed line below
    }
    return "{\"status\":\"Failed\",\"reason\":\"TrainerError\",\"message\":\"the result does not fit in a 4 KiB termination message\"}";
  }

  /** The last line on stdout, and the termination message Kubernetes shows in the pod status. */
  private void report(Map<String, Object> result) {
    report(result, out, err);
  }

  private static void report(Map<String, Object> result, PrintStream out, PrintStream err) {
    String line = render(result);
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
