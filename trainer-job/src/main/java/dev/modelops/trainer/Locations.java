package dev.modelops.trainer;

import dev.modelops.bundle.ModelBundle;
import dev.modelops.bundle.StorageLocation;
import dev.modelops.storage.S3Storage;
import dev.modelops.storage.S3Uri;
import dev.modelops.storage.StorageException;
import dev.modelops.trainer.TrainerInputException.Reason;
import java.io.FilterInputStream;
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
 * folder), file://, pvc://claim/path (under MODELOPS_PVC_ROOT, default /mnt/modelops),
 * s3://bucket/key (configured by the AWS_* environment, see object-storage) and, for reading
 * only, http(s)://.
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
    if (S3Uri.is(uri)) {
      return openS3(s3(uri, "spec.dataset.uri", Reason.BadSpec));
    }
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

  /** One S3 object as a stream that closes its client with it. */
  private static InputStream openS3(S3Uri location) {
    S3Storage storage = storage("; in a trial Pod the operator sets it from spec.dataset.s3.endpoint");
    try {
      return new FilterInputStream(storage.open(location)) {
        @Override
        public void close() throws IOException {
          try {
            super.close();
          } finally {
            storage.close();
          }
        }
      };
    } catch (StorageException e) {
      storage.close();
      throw new TrainerInputException(Reason.BadData, e.getMessage() + "; check spec.dataset.uri and spec.dataset.s3 (endpoint, region, the keys in its Secret)");
    }
  }

  /** The S3 client of this process's AWS_* settings; a malformed setting is refused with its name, value and {@code hint}. */
  private static S3Storage storage(String hint) {
    try {
      return S3Storage.fromEnvironment();
    } catch (IllegalArgumentException e) {
      throw new TrainerInputException(Reason.BadSpec, e.getMessage() + hint);
    }
  }

  /** An s3:// location, or a TrainerInputException naming {@code field}. */
  static S3Uri s3(String uri, String field, Reason reason) {
    try {
      return S3Uri.parse(uri, field);
    } catch (IllegalArgumentException e) {
      throw new TrainerInputException(reason, e.getMessage());
    }
  }

  /** Checks, before any training, that the bucket of an s3:// output exists and the credentials reach it. */
  static void checkOutput(S3Uri output) {
    try (S3Storage storage = storage("")) {
      storage.checkBucket(output);
    } catch (StorageException e) {
      throw new TrainerInputException(Reason.BadOutput, e.getMessage() + "; check --output and the S3 settings (AWS_* variables)");
    }
  }

  /** Writes a bundle folder under an s3:// prefix, its manifest last (a folder with a manifest is a complete bundle). */
  static void upload(Path bundle, S3Uri output) {
    try (S3Storage storage = storage("")) {
      storage.uploadFolder(bundle, output, ModelBundle.MANIFEST);
    } catch (StorageException e) {
      throw new TrainerInputException(Reason.BadOutput, e.getMessage() + "; check --output and the S3 settings (AWS_* variables)");
    }
  }
}
