// Commerce async customers: a Python 3.11 function app on the Flex Consumption plan, the storage
// account behind it (host state, deployment packages, channel tables, queues, by default the HQ
// tables), Key Vault for the admin key, and workspace-based Application Insights.
//
// No secret lives in an app setting: one user-assigned managed identity reaches storage, the vault
// and Application Insights through Entra ID role assignments, and the storage account refuses
// shared keys. What is created and why, and how to deploy: infra/README.md.

@description('Prefix of every resource name: 3 to 9 lower-case letters and digits.')
@minLength(3)
@maxLength(9)
param baseName string = 'asynccust'

@description('Region of every resource; it must offer the Flex Consumption plan.')
param location string = resourceGroup().location

@secure()
@description('Bearer key of the admin endpoints, written to Key Vault as a new secret version. Empty keeps the current version (a first deployment without it fails: there is nothing to keep).')
param adminApiKey string = ''

@secure()
@description('HMAC key of the duplicate match index (at least 32 characters), written to Key Vault as a new secret version. Empty keeps the current version. Never change it once customers are indexed: every stored match key would stop matching.')
param matchIndexSecret string = ''

@secure()
@description('Key that seals the webhooks\' signing secrets at rest (at least 32 characters), written to Key Vault as a new secret version. Empty keeps the current version. Changing it makes every registered webhook unusable: register them again.')
param webhookSecretsKey string = ''

@description('The CloudEvents source of every customer event (a URI that names this deployment for subscribers).')
param eventSource string = 'urn:commerce:customers'

@description('What conversion does with a customer HQ already has: flag, link or off (README: "Duplicate customers").')
@allowed([ 'flag', 'link', 'off' ])
param duplicatePolicy string = 'flag'

@description('NCRONTAB schedule of the conversion batch (six fields).')
param conversionSchedule string = '0 */5 * * * *'

@description('Seconds a sync create waits for HQ before falling back to async.')
param hqTimeoutSeconds string = '2'

@description('Format of HQ account numbers; must contain {number}.')
param customerAccountFormat string = 'C{number:09d}'

@description('Entra ID tenant whose people sign in to the admin routes; empty: only the admin key opens them.')
param entraTenantId string = ''

@description('Application (client) ID of the app registration that declares the app roles: the audience (aud) of the people\'s v2 access tokens. Set with entraTenantId.')
param entraAudience string = ''

@description('Storage account of the HQ tables; empty means the app\'s own account.')
param hqStorageAccountName string = ''

@description('Resource group of hqStorageAccountName, when that account lives elsewhere in the subscription.')
param hqStorageResourceGroup string = resourceGroup().name

@description('Redundancy of the storage account that holds the channel and (by default) HQ records; Standard_GRS in a region without availability zones.')
@allowed([
  'Standard_GZRS'
  'Standard_GRS'
  'Standard_RAGZRS'
  'Standard_RAGRS'
])
param storageSku string = 'Standard_GZRS'

@description('Spread the plan\'s instances over availability zones (the region must support it for Flex Consumption).')
param zoneRedundant bool = false

@description('Upper bound of Flex Consumption instances.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each Flex Consumption instance.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

var suffix = uniqueString(resourceGroup().id)
var appName = toLower('${baseName}-${suffix}')
var storageName = take(toLower('st${baseName}${suffix}'), 24)
var vaultName = take(toLower('kv${baseName}${suffix}'), 24)
var deploymentContainerName = 'app-package'
var adminKeySecretName = 'admin-api-key'
var matchIndexSecretName = 'match-index-secret'
var webhookSecretsKeyName = 'webhook-secrets-key'
var useOwnAccountForHq = empty(hqStorageAccountName)

// Built-in role definitions (ids are the same in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${appName}-id'
  location: location
}

// Public endpoint on purpose: without virtual network integration the Flex instances reach the
// account over the internet; what guards it is Entra ID authorization with shared keys refused.
resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  // checkov:skip=CKV_AZURE_35: no VNet integration here; access is Entra ID RBAC only (allowSharedKeyAccess false), a deny-by-default firewall would lock out the app
  // checkov:skip=CKV_AZURE_59: same reason as CKV_AZURE_35; anonymous blob access is off (allowBlobPublicAccess false)
  // checkov:skip=CKV_AZURE_43: checkov cannot evaluate the computed name take(toLower('st' + baseName + uniqueString()), 24); 24 characters at most, alphanumeric as baseName is
  name: storageName
  location: location
  sku: { name: storageSku }
  kind: 'StorageV2'
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: { enabled: true, keyType: 'Account' }
        file: { enabled: true, keyType: 'Account' }
        queue: { enabled: true, keyType: 'Account' }
        table: { enabled: true, keyType: 'Account' }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: { enabled: true, days: 7 }
    containerDeleteRetentionPolicy: { enabled: true, days: 7 }
  }
}

// The package `func azure functionapp publish` uploads; the platform reads it with the identity.
resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: { publicAccess: 'None' }
}

// Host state (timer and singleton lock blobs) and the deployment container.
resource blobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The queues the app's triggers read: customer-sync (conversions), customer-events (webhook
// deliveries) and privacy-requests (data subject requests), each with the poison queue the host moves a message to after maxDequeueCount tries.
resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for name in [ 'customer-sync', 'customer-sync-poison', 'customer-events', 'customer-events-poison', 'privacy-requests', 'privacy-requests-poison' ]: {
  parent: queueService
  name: name
}]

resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Channel tables, and the HQ tables unless they live in another account.
resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

module hqStorageAccess 'hq-storage-access.bicep' = if (!useOwnAccountForHq) {
  name: 'hq-storage-access'
  scope: resourceGroup(hqStorageResourceGroup)
  params: {
    storageAccountName: hqStorageAccountName
    principalId: identity.properties.principalId
  }
}

// Public endpoint on purpose: without VNet integration, Key Vault references are resolved from the
// platform's public outbound addresses; RBAC on the vault decides who reads the secret.
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_109: no VNet integration here, so a deny-by-default firewall would stop the platform resolving the Key Vault reference; access is RBAC only
  // checkov:skip=CKV_AZURE_189: same reason as CKV_AZURE_109; the vault holds one secret readable only by the app's identity
  name: vaultName
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource adminKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(adminApiKey)) {
  // checkov:skip=CKV_AZURE_114: contentType is set below; checkov does not read properties of a conditional resource
  // checkov:skip=CKV_AZURE_41: rotation is a deliberate operation (infra/README.md); an expiry date would lock every admin out when it passes
  parent: vault
  name: adminKeySecretName
  properties: {
    value: adminApiKey
    contentType: 'text/plain'
  }
}

// With no new key, the app keeps referring to the secret already there; reading it fails the
// deployment when there is none, instead of starting an app whose admin key cannot resolve.
resource currentAdminKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = {
  parent: vault
  name: adminKeySecretName
}

var adminKeySecretUri = empty(adminApiKey) ? currentAdminKeySecret.properties.secretUri : adminKeySecret.properties.secretUri

resource matchIndexSecretVersion 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(matchIndexSecret)) {
  // checkov:skip=CKV_AZURE_114: contentType is set below; checkov does not read properties of a conditional resource
  // checkov:skip=CKV_AZURE_41: the match index secret must never expire: every stored match key depends on it
  parent: vault
  name: matchIndexSecretName
  properties: {
    value: matchIndexSecret
    contentType: 'text/plain'
  }
}

resource currentMatchIndexSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = {
  parent: vault
  name: matchIndexSecretName
}

var matchIndexSecretUri = empty(matchIndexSecret) ? currentMatchIndexSecret.properties.secretUri : matchIndexSecretVersion.properties.secretUri

resource webhookSecretsKeyVersion 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(webhookSecretsKey)) {
  // checkov:skip=CKV_AZURE_114: contentType is set below; checkov does not read properties of a conditional resource
  // checkov:skip=CKV_AZURE_41: the key must not expire on its own: every webhook's secret is sealed with it
  parent: vault
  name: webhookSecretsKeyName
  properties: {
    value: webhookSecretsKey
    contentType: 'text/plain'
  }
}

resource currentWebhookSecretsKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = {
  parent: vault
  name: webhookSecretsKeyName
}

var webhookSecretsKeyUri = empty(webhookSecretsKey) ? currentWebhookSecretsKey.properties.secretUri : webhookSecretsKeyVersion.properties.secretUri

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${appName}-logs'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

// Telemetry is accepted only with an Entra ID token of the app's identity (DisableLocalAuth).
resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${appName}-ai'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: true
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: insights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  // checkov:skip=CKV_AZURE_225: zone redundancy is a per-region choice for Flex Consumption; set zoneRedundant=true where the region offers it
  name: '${appName}-plan'
  location: location
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: {
    reserved: true
    zoneRedundant: zoneRedundant
  }
}

// Identity-based connection settings, read by the Functions host and by the app alike.
var identityConnection = {
  credential: 'managedidentity'
  clientId: identity.properties.clientId
}

var storageSettings = [
  { name: 'AzureWebJobsStorage__accountName', value: storage.name }
  { name: 'AzureWebJobsStorage__credential', value: identityConnection.credential }
  { name: 'AzureWebJobsStorage__clientId', value: identityConnection.clientId }
]

// No HQ_STORAGE_CONNECTION setting at all means the HQ tables live in AzureWebJobsStorage.
var hqStorageSettings = useOwnAccountForHq ? [] : [
  { name: 'HQ_STORAGE_CONNECTION__accountName', value: hqStorageAccountName }
  { name: 'HQ_STORAGE_CONNECTION__credential', value: identityConnection.credential }
  { name: 'HQ_STORAGE_CONNECTION__clientId', value: identityConnection.clientId }
]

var appSettings = [
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identity.properties.clientId};Authorization=AAD' }
  // No version in the reference: the app follows the newest secret version (infra/README.md, rotation).
  { name: 'ADMIN_API_KEY', value: '@Microsoft.KeyVault(SecretUri=${adminKeySecretUri})' }
  { name: 'MATCH_INDEX_SECRET', value: '@Microsoft.KeyVault(SecretUri=${matchIndexSecretUri})' }
  { name: 'WEBHOOK_SECRETS_KEY', value: '@Microsoft.KeyVault(SecretUri=${webhookSecretsKeyUri})' }
  { name: 'EVENT_SOURCE', value: eventSource }
  { name: 'DUPLICATE_POLICY', value: duplicatePolicy }
  { name: 'CONVERSION_SCHEDULE', value: conversionSchedule }
  { name: 'HQ_TIMEOUT_SECONDS', value: hqTimeoutSeconds }
  { name: 'CUSTOMER_ACCOUNT_FORMAT', value: customerAccountFormat }
  { name: 'ENTRA_TENANT_ID', value: entraTenantId }
  { name: 'ENTRA_AUDIENCE', value: entraAudience }
  // The host refuses bodies above 1 MiB before the app reads them; the app itself allows 64 KiB.
  { name: 'FUNCTIONS_REQUEST_BODY_SIZE_LIMIT', value: '1048576' }
]

// Flex Consumption takes the runtime, scale and package location from functionAppConfig. It rejects
// legacy siteConfig properties (linuxFxVersion, ftpsState, alwaysOn, ...) and has replaced app
// settings such as FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION and WEBSITE_RUN_FROM_PACKAGE,
// so none is set. AzureWebJobsFeatureFlags=EnableWorkerIndexing is not needed either: the host
// indexes Python v2 apps through the worker by default (Azure/azure-functions-host#9574).
resource app 'Microsoft.Web/sites@2024-04-01' = {
  // checkov:skip=CKV_AZURE_78: Flex Consumption has no FTP(S) endpoint and rejects siteConfig.ftpsState (ARM error 51021); basic publishing credentials are disabled below
  // checkov:skip=CKV_AZURE_213: the platform health check is not offered on Flex Consumption (only Premium and Dedicated plans); probe GET /api/health from outside
  // checkov:skip=CKV_AZURE_18: siteConfig.http20Enabled is not part of the Flex Consumption site model (the portal hides the setting for Flex apps)
  // checkov:skip=CKV_AZURE_67: same as CKV_AZURE_18
  // checkov:skip=CKV_AZURE_17: POS terminals and web checkouts present bearer keys, not client certificates
  // checkov:skip=CKV_AZURE_222: a public API for POS terminals and web checkouts; WAF and rate limiting belong in API Management or Front Door in front of it
  // checkov:skip=CKV_AZURE_212: Flex Consumption scales instances per demand; there is no fixed worker count to set
  name: appName
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: concat(storageSettings, hqStorageSettings, appSettings)
    }
  }
  dependsOn: [
    // The host and the Key Vault reference need their roles before the first start.
    blobOwner
    queueContributor
    tableContributor
    secretsUser
    metricsPublisher
    hqStorageAccess
    deploymentContainer
  ]
}

// Publishing authenticates with Entra ID (`func azure functionapp publish` uses the signed-in
// account); the site-level user name and password stay switched off.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: { allow: false }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: { allow: false }
}

// The app roles the app registration must declare (infra/README.md, "People and roles"): their
// values are what the app checks in a token's `roles` claim.
var appRoles = [
  { value: 'Sync.Operator', displayName: 'Sync operator', description: 'Sync status, operations, runs and history: the console.' }
  { value: 'Customers.Steward', displayName: 'Customers steward', description: 'Channels, keys, customer attributes, duplicates, webhooks and the change feed.' }
  { value: 'Privacy.Officer', displayName: 'Privacy officer', description: 'Data subject requests, access logs and the audit log.' }
]

output appRoles array = appRoles
output functionAppName string = app.name
output storageAccountName string = storage.name
output keyVaultName string = vault.name
