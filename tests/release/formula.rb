# Loads a rendered Homebrew formula against a stand-in for the parts of Homebrew's DSL it uses,
# runs its install and test blocks against recording stubs, and prints what it saw as JSON: the
# url and sha256 declared in each OS/architecture block, the conflicts, what install puts where,
# and what the test runs. Homebrew itself is not installable here; this checks that each
# checksum sits in the block of its own platform, which `ruby -c` cannot.
#
# Usage: ruby tests/release/formula.rb FORMULA.rb
require "json"

# Records every call made on a path, so install's effects can be checked.
class RecordedPath
  attr_reader :name

  def initialize(name, log)
    @name = name
    @log = log
  end

  def /(other)
    RecordedPath.new("#{@name}/#{other}", @log)
  end

  def install(*files)
    @log << ["install", @name, *files.map(&:to_s)]
  end

  def write(content)
    @log << ["write", @name, content]
  end

  def to_s
    @name
  end
end

module Utils
  def self.safe_popen_read(*args)
    "popen_read(#{args.map(&:to_s).join(' ')})"
  end
end

class Formula
  @@platforms = {}
  @@meta = {}
  @@scope = {}

  class << self
    def platforms = @@platforms
    def meta = @@meta

    %i[desc homepage license].each do |field|
      define_method(field) { |value| @@meta[field.to_s] = value }
    end

    def version(value = nil)
      @@meta["version"] = value unless value.nil?
      @@meta["version"]
    end

    def on_macos(&block) = within(:os, "macos", &block)
    def on_linux(&block) = within(:os, "linux", &block)
    def on_arm(&block) = within(:arch, "arm", &block)
    def on_intel(&block) = within(:arch, "intel", &block)

    def url(value) = declare("url", value)
    def sha256(value) = declare("sha256", value)

    def conflicts_with(*names, because:)
      (@@meta["conflicts_with"] ||= []).concat(names)
      @@meta["conflicts_because"] = because
    end

    def test(&block)
      @@meta["test"] = block
    end

    private

    def within(key, value)
      raise "#{key} block inside another #{key} block" if @@scope.key?(key)

      @@scope[key] = value
      yield
    ensure
      @@scope.delete(key) if @@scope[key] == value
    end

    def declare(field, value)
      raise "#{field} outside an on_macos/on_linux + on_arm/on_intel block" unless @@scope.size == 2

      platform = (@@platforms["#{@@scope[:os]}-#{@@scope[:arch]}"] ||= {})
      raise "#{field} declared twice for one platform" if platform.key?(field)

      platform[field] = value
    end
  end

  attr_reader :log

  def initialize
    @log = []
  end

  def version = self.class.version
  def bin = RecordedPath.new("bin", @log)
  def man1 = RecordedPath.new("man1", @log)

  def generate_completions_from_executable(executable, *args, **options)
    @log << ["completions", executable.to_s, *args, options.transform_keys(&:to_s)]
  end

  def shell_output(command, status = 0)
    @log << ["shell_output", command, status]
    command.end_with?(" version") ? "docker-credential-ecr-login #{version}\n" : ""
  end

  def pipe_output(command, input, status = 0)
    @log << ["pipe_output", command, input, status]
    "credentials not found in native keychain\n"
  end

  def assert_equal(expected, actual)
    raise "assert_equal: expected #{expected.inspect}, got #{actual.inspect}" unless expected == actual
  end
end

load ARGV.fetch(0)
formulas = ObjectSpace.each_object(Class).select { |c| c < Formula }
raise "expected one formula class, found #{formulas.map(&:name)}" unless formulas.size == 1

formula = formulas.first.new
formula.install
installed = formula.log.dup
formula.log.clear
formula.instance_exec(&Formula.meta.fetch("test"))
puts JSON.pretty_generate(
  "class" => formulas.first.name,
  "meta" => Formula.meta.reject { |k, _| k == "test" },
  "platforms" => Formula.platforms,
  "install" => installed,
  "test" => formula.log
)
