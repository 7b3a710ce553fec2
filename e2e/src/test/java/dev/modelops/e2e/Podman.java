package dev.modelops.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The podman CLI (Debian's package), for tests that run the project's images as real containers.
 * Every container runs the way the Helm chart and the operator run its Pods: as the images' user
 * 65532, on a read-only root filesystem with only /tmp writable, all capabilities dropped, no
 * privilege escalation. {@code --runtime runc}: crun refuses this host's cgroups.
 */
final class Podman {
  /** The images' version: the Maven project version (set by the build). */
  static final String VERSION = System.getProperty("modelops.version", "0.1.0-SNAPSHOT");

  private Podman() {}

  /** A finished podman command: exit code and everything it printed (stdout then stderr). */
  record Result(int exitCode, String stdout, String stderr) {
    Result orFail(String what) {
      Assertions.assertEquals(0, exitCode, () -> what + " failed (" + exitCode + "):\n" + stdout + stderr);
      return this;
    }
  }

  /**
   * The image archive {@code ./mvnw package -Pimages} wrote for a module. Skips the test, saying
   * why, when podman or the archive is missing, unless MODELOPS_REQUIRE_IMAGES=1 (CI sets it once
   * it has built them): then that fails.
   */
  static Path archiveOrSkip(String module) {
    Path archive = Path.of("..", module, "target", "jib-image.tar").toAbsolutePath().normalize();
    String missing = !installed() ? "podman is not installed (apt-get install podman)"
        : !Files.isRegularFile(archive) ? "no image archive " + archive + " (bash tools/image/base-image.sh, then ./mvnw -B package -Pimages)"
        : null;
    if (missing != null && "1".equals(System.getenv("MODELOPS_REQUIRE_IMAGES"))) {
      Assertions.fail(missing + ", and MODELOPS_REQUIRE_IMAGES=1 says the image tests must run");
    }
    Assumptions.assumeTrue(missing == null, missing);
    return archive;
  }

  static boolean installed() {
    try {
      return new ProcessBuilder("podman", "--version").redirectErrorStream(true).start().waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Loads an image archive and returns the image's name as podman knows it. */
  static String load(Path archive, String image) {
    podman(List.of("load", "--quiet", "--input", archive.toString())).orFail("podman load " + archive);
    return "localhost/" + image;
  }

  /** {@code podman run} with the chart's restrictions, then {@code args} (options, image, program arguments). */
  static Result run(List<String> args) {
    return podman(runArgs(args));
  }

  /** Starts a detached container like {@link #run} and returns its id. */
  static String start(List<String> args) {
    List<String> all = new ArrayList<>(List.of("--detach"));
    all.addAll(args);
    return run(all).orFail("podman run").stdout().strip();
  }

  /** Stops a container with SIGTERM, waiting up to {@code seconds} before SIGKILL; returns its exit code. */
  static int stop(String container, int seconds) {
    podman(List.of("stop", "--time", Integer.toString(seconds), container)).orFail("podman stop");
    return Integer.parseInt(podman(List.of("inspect", "--format", "{{.State.ExitCode}}", container)).orFail("podman inspect").stdout().strip());
  }

  static boolean running(String container) {
    return "true".equals(podman(List.of("inspect", "--format", "{{.State.Running}}", container)).stdout().strip());
  }

  static String logs(String container) {
    Result r = podman(List.of("logs", container));
    return r.stdout() + r.stderr();
  }

  static void remove(String container) {
    podman(List.of("rm", "--force", "--time", "0", container));
  }

  private static List<String> runArgs(List<String> args) {
    List<String> all = new ArrayList<>(List.of("run", "--user", "65532:65532", "--read-only", "--read-only-tmpfs=false",
        "--tmpfs", "/tmp:rw,size=512m,mode=1777", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
        "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"));
    all.addAll(args);
    return all;
  }

  static Result podman(List<String> args) {
    List<String> command = new ArrayList<>(List.of("podman", "--runtime", "runc"));
    command.addAll(args);
    try {
      Path out = Files.createTempFile("podman", ".out");
      Path err = Files.createTempFile("podman", ".err");
      try {
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
          p.destroyForcibly();
          Assertions.fail("timed out: " + String.join(" ", command));
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
