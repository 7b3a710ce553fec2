package dev.modelops.trainer;

import dev.modelops.bundle.StorageLocation;
import dev.modelops.trainer.TrainerInputException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Resolves the storage URIs of docs/architecture.md: plain paths (relative ones against a base
 * folder), file://, pvc://claim/path (under MODELOPS_PVC_ROOT, default /mnt/modelops) and, for
 * reading only, http(s)://.
 */
final class Locations {
  private Locations() {}

  /** A local path for a non-HTTP location; {@code base} resolves relative paths, claims are under {@code pvcRoot}. */
  static Path localPath(String uri, Path base, Path pvcRoot, String field) {
    try {
      return StorageLocation.local(uri, base, pvcRoot);
    } catch (IllegalArgumentException e) {
      throw new TrainerInputException(Reason.BadSpec, field + " " + e.getMessage());
    }
  }

  /** Opens a dataset for reading. */
  static InputStream open(String uri, Path base, Path pvcRoot) {
    if (StorageLocation.isHttp(uri)) {
      try {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).followRedirects(HttpClient.Redirect.NORMAL).build();
        HttpResponse<InputStream> response =
            client.send(HttpRequest.newBuilder(URI.create(uri)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
          response.body().close();
          throw new TrainerInputException(
              Reason.BadData, "cannot read the dataset " + uri + ": HTTP " + response.statusCode() + "; check spec.dataset.uri");
        }
        return response.body();
      } catch (IOException e) {
        throw new TrainerInputException(
            Reason.BadData, "cannot read the dataset " + uri + ": " + e.getMessage() + "; check spec.dataset.uri");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    Path p = localPath(uri, base, pvcRoot, "spec.dataset.uri");
    if (!Files.exists(p)) {
      String claims = uri.startsWith(StorageLocation.PVC) ? " or " + StorageLocation.PVC_ROOT_ENV + " (claims are under " + pvcRoot + ")" : "";
      throw new TrainerInputException(Reason.BadData, "the dataset " + p + " does not exist; check spec.dataset.uri ('" + uri + "')" + claims);
    }
    if (!Files.isReadable(p) || Files.isDirectory(p)) {
      throw new TrainerInputException(Reason.BadData, "the dataset " + p + " is not a readable file; check spec.dataset.uri ('" + uri + "')");
    }
    try {
      return Files.newInputStream(p);
    } catch (IOException e) {
      throw new TrainerInputException(Reason.BadData, "cannot read the dataset " + p + ": " + e.getMessage());
    }
  }
}
