package dev.modelops.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Reads and writes s3:// locations in S3 or any S3-compatible store (MinIO, Ceph, SeaweedFS, ...),
 * configured the standard way, by the environment the operator gives trial and model-server Pods:
 * {@code AWS_ACCESS_KEY_ID} and {@code AWS_SECRET_ACCESS_KEY} (from a Secret; or any source of the
 * SDK's default chain), {@code AWS_REGION} (default us-east-1) and, for a store other than AWS,
 * {@code AWS_ENDPOINT_URL_S3} or {@code AWS_ENDPOINT_URL}. The SDK's system properties
 * ({@code aws.accessKeyId}, {@code aws.region}, {@code aws.endpointUrlS3}, ...) win over the
 * environment, so a program run in-process (a test) can point elsewhere. Requests use path-style
 * addressing ({@code endpoint/bucket/key}), which every S3-compatible store understands.
 *
 * <p>Every failure is a {@link StorageException} whose message names the location, what the
 * store answered (error code and HTTP status) or why it could not be reached, and the endpoint.
 */
public final class S3Storage implements AutoCloseable {
  /** The region when none is configured. */
  public static final String DEFAULT_REGION = "us-east-1";

  private final Settings settings;
  private final S3Client client;

  /**
   * Where the client points: {@code endpoint} null for AWS itself.
   *
   * @param endpoint the S3-compatible endpoint, or null for AWS
   * @param region the signing region
   */
  public record Settings(URI endpoint, String region) {
    /** The settings of this process: the SDK's system properties first, then the environment. */
    public static Settings fromEnvironment() {
      return from(name -> {
        String property = PROPERTIES.containsKey(name) ? System.getProperty(PROPERTIES.get(name)) : null;
        return property != null ? property : System.getenv(name);
      });
    }

    /** The settings {@code lookup} (an environment variable name to its value, or null) gives. */
    static Settings from(Function<String, String> lookup) {
      String region = first(lookup, "AWS_REGION", "AWS_DEFAULT_REGION");
      String variable = first(lookup, "AWS_ENDPOINT_URL_S3") != null ? "AWS_ENDPOINT_URL_S3" : "AWS_ENDPOINT_URL";
      String endpoint = first(lookup, variable);
      return new Settings(endpoint == null ? null : endpoint(variable, endpoint.strip()), region == null ? DEFAULT_REGION : region.strip());
    }

    private static String first(Function<String, String> lookup, String... names) {
      for (String name : names) {
        String value = lookup.apply(name);
        if (value != null && !value.isBlank()) {
          return value;
        }
      }
      return null;
    }

    private static URI endpoint(String variable, String value) {
      try {
        URI uri = URI.create(value);
        if ((uri.getScheme() != null && uri.getScheme().matches("https?")) && uri.getHost() != null) {
          return uri;
        }
      } catch (IllegalArgumentException e) {
        // refused below
      }
      throw new IllegalArgumentException(variable + " '" + value + "' is not an endpoint URL; use http(s)://host[:port], e.g. http://minio.storage:9000");
    }

    /** Where requests go, for messages. */
    String describe() {
      return "endpoint " + (endpoint == null ? "AWS S3" : endpoint.toString()) + ", region " + region;
    }
  }

  /** The SDK's system properties of the environment variables read here (AWS_ENDPOINT_URL_S3 is aws.endpointUrlS3). */
  private static final Map<String, String> PROPERTIES =
      Map.of("AWS_REGION", "aws.region", "AWS_ENDPOINT_URL_S3", "aws.endpointUrlS3", "AWS_ENDPOINT_URL", "aws.endpointUrl");

  /** A client configured by {@link Settings#fromEnvironment()}. */
  public static S3Storage fromEnvironment() {
    return new S3Storage(Settings.fromEnvironment());
  }

  public S3Storage(Settings settings) {
    this.settings = settings;
    var builder = S3Client.builder()
        .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(10)).socketTimeout(Duration.ofSeconds(60)).build())
        .region(Region.of(settings.region()))
        .credentialsProvider(DefaultCredentialsProvider.builder().build())
        .forcePathStyle(true)
        // Checksums only where S3 requires them: the SDK's default trailing checksums are refused
        // by several S3-compatible stores.
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (settings.endpoint() != null) {
      builder.endpointOverride(settings.endpoint());
    }
    this.client = builder.build();
  }

  public Settings settings() {
    return settings;
  }

  /** Opens one object for reading; the caller closes the stream. */
  public InputStream open(S3Uri location) {
    return call(location, "read", () -> client.getObject(b -> b.bucket(location.bucket()).key(location.key()), ResponseTransformer.toInputStream()));
  }

  /** Checks that the bucket of {@code location} exists and these credentials reach it (before any work is spent). */
  public void checkBucket(S3Uri location) {
    call(location, "reach the bucket of", () -> client.headBucket(b -> b.bucket(location.bucket())));
  }

  /**
   * Writes every file of {@code dir} (and its subfolders) to {@code location}/relative/path; the
   * files named in {@code last} are written after all others (a reader that waits for them sees
   * a complete folder). Returns the number of objects written.
   */
  public int uploadFolder(Path dir, S3Uri location, String... last) {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      Set<String> late = Set.of(last);
      files = walk.filter(Files::isRegularFile)
          .sorted(Comparator.comparing((Path p) -> late.contains(p.getFileName().toString())).thenComparing(Path::toString)).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    for (Path file : files) {
      String key = location.key() + "/" + dir.relativize(file).toString().replace(dir.getFileSystem().getSeparator(), "/");
      S3Uri target = new S3Uri(location.bucket(), key);
      call(target, "write", () -> client.putObject(b -> b.bucket(target.bucket()).key(target.key()), RequestBody.fromFile(file)));
    }
    return files.size();
  }

  /**
   * Copies every object under the prefix {@code location} into {@code target} (created if need
   * be), keeping the key's path below the prefix. A prefix with no objects is an error.
   */
  public Path downloadFolder(S3Uri location, Path target) {
    String prefix = location.key() + "/";
    List<S3Object> objects = new ArrayList<>();
    call(location, "list", () -> {
      client.listObjectsV2Paginator(b -> b.bucket(location.bucket()).prefix(prefix)).contents().forEach(objects::add);
      return null;
    });
    objects.removeIf(o -> o.key().endsWith("/"));
    if (objects.isEmpty()) {
      throw new StorageException(location + ": there are no objects under " + prefix + " in bucket " + location.bucket() + " ("
          + settings.describe() + "); a bundle is the folder of objects the trainer writes under a prefix");
    }
    Path root = target.toAbsolutePath().normalize();
    for (S3Object object : objects) {
      Path file = root.resolve(object.key().substring(prefix.length())).normalize();
      S3Uri source = new S3Uri(location.bucket(), object.key());
      if (!file.startsWith(root) || file.equals(root)) {
        throw new StorageException(source + ": the key leaves the folder " + location + "; refusing to write it outside " + target);
      }
      try {
        Files.createDirectories(file.getParent());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create " + file.getParent() + ": " + e.getMessage(), e);
      }
      try (InputStream in = open(source)) {
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new StorageException("cannot read " + source + " into " + file + ": " + e.getMessage() + " (" + settings.describe() + ")", e);
      }
    }
    return target;
  }

  private <T> T call(S3Uri location, String action, Supplier<T> request) {
    try {
      return request.get();
    } catch (S3Exception e) {
      throw new StorageException("cannot " + action + " " + location + ": " + answer(e) + " (" + settings.describe() + ")", e);
    } catch (SdkClientException e) {
      throw new StorageException("cannot " + action + " " + location + ": " + clientProblem(e) + " (" + settings.describe() + ")", e);
    } catch (SdkException e) {
      throw new StorageException("cannot " + action + " " + location + ": " + firstLine(e.getMessage()) + " (" + settings.describe() + ")", e);
    }
  }

  /** What the store answered: its error code and message, or (for HEAD, which has no body) the status alone, explained. */
  private static String answer(S3Exception e) {
    String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    String message = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
    String status = "HTTP " + e.statusCode();
    if (code == null || code.isBlank()) {
      return switch (e.statusCode()) {
        case 403 -> "access denied (" + status + "): the credentials are wrong or may not use this bucket";
        case 404 -> "no such bucket (" + status + ")";
        case 301 -> "the bucket is in another region (" + status + "); set the region";
        default -> status;
      };
    }
    return "S3 error " + code + " (" + status + ")" + (message == null || message.isBlank() ? "" : ": " + firstLine(message));
  }

  private static String clientProblem(SdkClientException e) {
    String message = firstLine(e.getMessage());
    if (message.startsWith("Unable to load credentials")) {
      return "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (the operator takes them from the Secret named in the resource's s3.secretRef)";
    }
    Throwable cause = e.getCause();
    return cause != null && cause.getMessage() != null && !message.contains(cause.getMessage())
        ? message + " (" + cause.getClass().getSimpleName() + ": " + firstLine(cause.getMessage()) + ")"
        : message;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "no message";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  @Override
  public void close() {
    client.close();
  }
}
