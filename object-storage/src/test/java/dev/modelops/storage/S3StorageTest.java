package dev.modelops.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** s3:// locations against a real S3 server (S3Proxy over HTTP on a loopback port). */
class S3StorageTest {
  @RegisterExtension static final S3TestServer.Extension s3 = S3TestServer.forEachClass("data");
  @TempDir Path tmp;

  /** A client configured as in a Pod whose Secret holds {@code secret}; the configuration lasts until the test ends. */
  static S3Storage storage(String secret) {
    s3.asClientEnvironment(secret);
    return S3Storage.fromEnvironment();
  }

  @Test
  void readsAnObjectItWasGiven() throws Exception {
    Path csv = Files.writeString(tmp.resolve("d.csv"), "a,b\n1,2\n");
    s3.server().put("data", "sets/d.csv", csv);
    try (S3Storage storage = storage(S3TestServer.SECRET_KEY); InputStream in = storage.open(S3Uri.parse("s3://data/sets/d.csv", "uri"))) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("a,b\n1,2\n");
    }
  }

  @Test
  void aFolderWrittenUnderAPrefixComesBackTheSame() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("bundle/sub"));
    Files.writeString(dir.getParent().resolve("manifest.json"), "{}");
    Files.write(dir.getParent().resolve("model.ubj"), new byte[] {0, 1, 2, (byte) 255});
    Files.writeString(dir.resolve("deep.txt"), "deep");
    try (S3Storage storage = storage(S3TestServer.SECRET_KEY)) {
      assertThat(storage.uploadFolder(dir.getParent(), S3Uri.parse("s3://data/models/churn/v1/", "--output"), "manifest.json")).isEqualTo(3);
      Path back = storage.downloadFolder(S3Uri.parse("s3://data/models/churn/v1", "MODEL_BUNDLE"), tmp.resolve("back"));
      assertThat(Files.readAllBytes(back.resolve("model.ubj"))).containsExactly(0, 1, 2, 255);
      assertThat(back.resolve("manifest.json")).hasContent("{}");
      assertThat(back.resolve("sub/deep.txt")).hasContent("deep");
      // A sibling prefix sharing the first characters is not part of the folder.
      storage.uploadFolder(dir, S3Uri.parse("s3://data/models/churn/v10", "--output"));
      assertThat(storage.downloadFolder(S3Uri.parse("s3://data/models/churn/v1", "x"), tmp.resolve("again")).resolve("deep.txt")).doesNotExist();
    }
  }

  @Test
  void wrongCredentialsNameTheLocationAndTheStoresAnswer() {
    try (S3Storage storage = storage("not-the-secret")) {
      assertThatThrownBy(() -> storage.open(S3Uri.parse("s3://data/sets/d.csv", "uri")).close())
          .isInstanceOf(StorageException.class)
          .hasMessageStartingWith("cannot read s3://data/sets/d.csv: S3 error SignatureDoesNotMatch (HTTP 403)")
          .hasMessageContaining("endpoint " + s3.endpoint());
      assertThatThrownBy(() -> storage.checkBucket(S3Uri.parse("s3://data/out", "--output")))
          .hasMessageContaining("cannot reach the bucket of s3://data/out: access denied (HTTP 403): the credentials are wrong");
    }
  }

  @Test
  void aMissingObjectBucketOrFolderIsSaidSo() {
    try (S3Storage storage = storage(S3TestServer.SECRET_KEY)) {
      assertThatThrownBy(() -> storage.open(S3Uri.parse("s3://data/nowhere.csv", "uri")).close())
          .hasMessageStartingWith("cannot read s3://data/nowhere.csv: S3 error NoSuchKey (HTTP 404)");
      assertThatThrownBy(() -> storage.checkBucket(S3Uri.parse("s3://no-such-bucket/out", "--output")))
          .hasMessageStartingWith("cannot reach the bucket of s3://no-such-bucket/out: S3 error NoSuchBucket (HTTP 404)");
      assertThatThrownBy(() -> storage.downloadFolder(S3Uri.parse("s3://data/empty/prefix", "MODEL_BUNDLE"), tmp.resolve("x")))
          .hasMessageStartingWith("s3://data/empty/prefix: there are no objects under empty/prefix/ in bucket data");
    }
  }

  @Test
  void anUnreachableEndpointIsSaidSo() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    s3.asClientEnvironment(S3TestServer.SECRET_KEY);
    try (S3Storage storage = new S3Storage(new S3Storage.Settings(URI.create("http://127.0.0.1:" + port), "us-east-1"))) {
      assertThatThrownBy(() -> storage.open(S3Uri.parse("s3://data/d.csv", "uri")))
          .hasMessageStartingWith("cannot read s3://data/d.csv: ")
          .hasMessageContaining("Connection refused")
          .hasMessageContaining("endpoint http://127.0.0.1:" + port);
    }
  }

  @Test
  void settingsComeFromTheStandardVariablesWithUsEast1ByDefault() {
    assertThat(S3Storage.Settings.from(Map.<String, String>of()::get)).isEqualTo(new S3Storage.Settings(null, "us-east-1"));
    assertThat(S3Storage.Settings.from(Map.of("AWS_ENDPOINT_URL", "http://minio:9000", "AWS_DEFAULT_REGION", "eu-west-1")::get))
        .isEqualTo(new S3Storage.Settings(URI.create("http://minio:9000"), "eu-west-1"));
    // The S3-specific endpoint and AWS_REGION win.
    assertThat(S3Storage.Settings.from(
            Map.of("AWS_ENDPOINT_URL", "http://a:1", "AWS_ENDPOINT_URL_S3", "https://b:2", "AWS_REGION", "eu-north-1", "AWS_DEFAULT_REGION", "x")::get))
        .isEqualTo(new S3Storage.Settings(URI.create("https://b:2"), "eu-north-1"));
    assertThatThrownBy(() -> S3Storage.Settings.from(Map.of("AWS_ENDPOINT_URL_S3", "minio:9000")::get))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("AWS_ENDPOINT_URL_S3 'minio:9000' is not an endpoint URL; use http(s)://host[:port], e.g. http://minio.storage:9000");
  }

  @Test
  void locationsThatAreNotBucketAndKeyAreRefusedNamingTheField() {
    assertThat(S3Uri.parse("s3://my.bucket-1/a/b.csv", "spec.dataset.uri")).isEqualTo(new S3Uri("my.bucket-1", "a/b.csv"));
    assertThatThrownBy(() -> S3Uri.parse("s3://bucket", "spec.dataset.uri"))
        .hasMessage("spec.dataset.uri 's3://bucket' must be s3://<bucket>/<key>: a bucket name of 3 to 63 lower-case letters, digits,"
            + " dots and hyphens, then a key or key prefix");
    assertThatThrownBy(() -> S3Uri.parse("s3://Bucket/k", "--output")).hasMessageStartingWith("--output 's3://Bucket/k' must be");
  }

  /** Users may rely on the SDK's own reading of the endpoint settings (AWS_ENDPOINT_URL_S3 / aws.endpointUrlS3): it does. */
  @Test
  void theSdkItselfReadsTheEndpointSetting() {
    try (S3TestServer.Environment env = s3.asClientEnvironment(S3TestServer.SECRET_KEY);
        S3Client plain = S3Client.builder().region(Region.US_EAST_1).forcePathStyle(true)
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(S3TestServer.ACCESS_KEY, S3TestServer.SECRET_KEY)))
            .build()) {
      assertThat(plain.listBuckets().buckets()).anyMatch(b -> b.name().equals("data"));
    }
  }
}
